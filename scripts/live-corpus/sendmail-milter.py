#!/usr/bin/python3
"""Sendmail B's body check: a milter (python3-milter) on inet:3333@127.0.0.1 that rejects a message
whose body says "Buy cheap pharmacy pills", with the administrator's text."""
import Milter


class BodyCheck(Milter.Base):
    def __init__(self):
        self.spam = False

    def envfrom(self, mailfrom, *params):
        self.spam = False
        return Milter.CONTINUE

    def body(self, chunk):
        if b"buy cheap pharmacy pills" in chunk.lower():
            self.spam = True
        return Milter.CONTINUE

    def eom(self):
        if self.spam:
            self.setreply("550", "5.7.1", "Message content rejected as spam")
            return Milter.REJECT
        return Milter.ACCEPT


Milter.factory = BodyCheck
Milter.runmilter("live-body-check", "inet:3333@127.0.0.1", 60)
