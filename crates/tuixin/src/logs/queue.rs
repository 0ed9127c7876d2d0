//! A map from queue id to what earlier lines said of the message, with a cap: past it, the
//! entry inserted first is dropped.

use std::collections::{HashMap, VecDeque};

/// Queue ids and their state, at most `cap` of them; the oldest is evicted first.
#[derive(Debug)]
pub(crate) struct QueueMap<V> {
    cap: usize,
    /// The entries with the insertion number each got.
    entries: HashMap<String, (u64, V)>,
    /// Insertion order; an id whose number no longer matches was removed or re-inserted since.
    order: VecDeque<(u64, String)>,
    next: u64,
}

impl<V: Default> QueueMap<V> {
    /// An empty map keeping at most `cap` ids (at least one).
    pub fn new(cap: usize) -> QueueMap<V> {
        QueueMap { cap: cap.max(1), entries: HashMap::new(), order: VecDeque::new(), next: 0 }
    }

    /// The state of an id, inserted empty (evicting the oldest past the cap) if new.
    pub fn entry(&mut self, id: &str) -> &mut V {
        if !self.entries.contains_key(id) {
            while self.entries.len() >= self.cap {
                let Some((number, oldest)) = self.order.pop_front() else { break };
                if self.entries.get(&oldest).is_some_and(|(n, _)| *n == number) {
                    self.entries.remove(&oldest);
                }
            }
            let number = self.next;
            self.next += 1;
            self.entries.insert(id.to_owned(), (number, V::default()));
            self.order.push_back((number, id.to_owned()));
            // Ids removed by `remove` leave stale places in the order: drop them now and then so
            // that it stays within twice the cap.
            if self.order.len() > self.cap.saturating_mul(2) {
                let entries = &self.entries;
                self.order.retain(|(n, id)| entries.get(id).is_some_and(|(m, _)| m == n));
            }
        }
        &mut self.entries.get_mut(id).expect("inserted above").1
    }

    /// The state of an id, if it is remembered.
    pub fn get(&self, id: &str) -> Option<&V> {
        self.entries.get(id).map(|(_, v)| v)
    }

    /// The state of an id to change, if it is remembered.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut V> {
        self.entries.get_mut(id).map(|(_, v)| v)
    }

    /// Forgets an id (its message left the queue), giving back its state.
    pub fn remove(&mut self, id: &str) -> Option<V> {
        self.entries.remove(id).map(|(_, v)| v)
    }

    /// How many ids are remembered.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_id_goes_first_and_the_map_stays_bounded() {
        let mut map: QueueMap<u32> = QueueMap::new(3);
        for id in ["a", "b", "c"] {
            *map.entry(id) = 1;
        }
        *map.entry("d") = 2;
        assert_eq!(map.len(), 3);
        assert!(map.get("a").is_none());
        assert_eq!(map.get("d"), Some(&2));
        // Removed and re-inserted ids leave no stale places that grow without bound.
        for i in 0..10_000 {
            let id = format!("q{i}");
            map.entry(&id);
            map.remove(&id);
        }
        assert!(map.order.len() <= 6);
        // The first new id evicted the oldest ("b"); the rest came and went.
        assert_eq!(map.len(), 2);
        assert!(map.get("b").is_none());
        assert_eq!(map.get("d"), Some(&2));
    }
}
