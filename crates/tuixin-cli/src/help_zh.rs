//! The help text in Simplified Chinese: `--lang zh` (or a `zh_*` locale) gives every command's
//! and flag's help in Chinese, with clap's own headings translated too.

use clap::{Arg, ArgAction, Command};

/// Each command's description, by its path (`""` for tuixin itself).
const ABOUT: &[(&str, &str)] = &[
    ("", "诊断退信：解释 SMTP 回复码和增强状态码，判断退信原因"),
    ("explain", "解释回复码、增强状态码，或一段退信诊断文字中的每个代码，并判断退信原因"),
    ("codes", "打印整个代码表：所有回复码和增强状态码"),
    ("parse", "解析退信邮件：每个投递失败的收件人一条记录"),
    ("rules", "管理分类规则文件"),
    ("rules check", "检查规则文件：每条规则都能解析、原因有效、正则表达式能编译"),
    ("db", "管理存储数据库（抑制列表所在）"),
    ("db migrate", "创建数据库，或把其结构升级到本 tuixin 的版本"),
    ("ingest", "把退信存为事件并更新抑制列表"),
    ("check", "这些地址可以发送吗？允许或已抑制，并给出原因"),
    ("events", "列出或导出已存储的事件"),
    ("events list", "列出事件，按接收时间从早到晚"),
    ("events export", "以 CSV 或 JSON Lines 流式导出所有匹配的事件"),
    ("suppressions", "列出、添加、移除、导入和导出抑制条目"),
    ("suppressions list", "按条件列出条目，从早到晚"),
    ("suppressions add", "手动抑制一个地址（原因 manual）"),
    ("suppressions remove", "移除某地址在一个范围内的条目，并用备注说明原因"),
    ("suppressions import", "从 CSV（address,reason,created_at,code,error）或 JSON Lines 导入条目"),
    ("suppressions export", "以 CSV 或 JSON Lines 流式导出所有条目"),
    ("address", "一个地址：其抑制条目、计数、事件和审计记录"),
    ("alerts", "发件方、邮件内容和基础设施告警"),
    ("alerts list", "列出告警，从新到旧"),
    ("policy", "检查和打印生命周期策略：退信、投诉和投递如何改变抑制列表"),
    (
        "policy check",
        "检查策略文件：TOML 有效、字段和原因已知、取值可用，且不允许发件方、邮件内容或网络原因导致抑制",
    ),
    ("policy show", "打印生效的策略：内置策略（带注释），或叠加了策略文件后的结果"),
    (
        "serve",
        "提供 HTTP API：检查、抑制列表、事件、导入退信、策略、告警、监控指标\u{ff1b}以 SMTP/LMTP 接收退信",
    ),
    ("token", "创建、列出和撤销 tuixin serve 的 API 令牌"),
    ("token create", "创建令牌：单独一行打印到标准输出\u{ff0c}只显示这一次（存储中只保存其哈希）"),
    ("token list", "列出令牌（从不显示其密钥）"),
    ("token revoke", "按 id 或名称撤销令牌\u{ff1b}服务在几秒内开始拒绝它"),
];

/// Each flag's help, by command path and flag id.
const ARGS: &[(&str, &str, &str)] = &[
    ("", "lang", "说明文字的语言 [默认：取自 LC_ALL、LC_MESSAGES 或 LANG；zh_* 为中文]"),
    ("", "json", "输出 JSON，而不是给人看的文字"),
    ("", "color", "何时使用颜色"),
    ("", "rules", "自定义规则文件，其中的规则优先于内置规则（见 tuixin rules）"),
    ("explain", "input", "代码（550、5.1.1）或退信诊断文字"),
    ("explain", "provider", "使用某服务商的规则和代码含义（如 google、microsoft、tencent）"),
    ("codes", "csv", "输出中英双语 CSV，每个代码一行"),
    (
        "parse",
        "paths",
        "文件、文件夹（递归）、maildir 或 mbox，也可为 gzip/xz/zstd 压缩文件；- 或不给路径时读取标准输入",
    ),
    (
        "parse",
        "input",
        "输入是什么\u{ff1a}auto 按内容区分邮件、MTA 日志和 JSON\u{ff08}标准输入看其中已有的行\u{ff1b}终端和文件夹按邮件读取\u{ff1b}JSON 文件按其格式认出服务商\u{ff09}\u{ff1b}指定日志格式时每个输入都按该日志读取\u{ff0c}每个结果行的每个收件人一条记录\u{ff0c}行号在 message 中\u{ff1b}指定 webhook 服务商时每个输入是一份数据\u{ff0c}每个事件的每个收件人一条记录\u{ff0c}事件序号加 1 在 message 中\u{ff1b}取值\u{ff1a}auto、mail、postfix、exim、sendmail、qmail、kumomta（JSON 日志）、pmta（PowerMTA 记账 CSV）、smtp-reply（单独的 SMTP 回复行）\u{ff1b}ses（Amazon SES）、sendgrid、mailgun、postmark、sparkpost、mailjet、brevo、resend、postal、azure（Azure 通信服务）webhook 数据 [默认：auto]",
    ),
    ("parse", "format", "输出格式 [默认：终端上为 human，否则为 jsonl；加 --json 时为 json]"),
    ("parse", "explain", "为每条记录附上代码表对其代码的解释"),
    ("parse", "why", "显示判定每个原因的规则及其匹配的文字"),
    ("parse", "jobs", "解析线程数 [默认：全部 CPU 核心]"),
    ("parse", "quiet", "不在标准错误输出显示进度条和汇总"),
    (
        "parse",
        "stats",
        "另在标准错误输出说明各类规则判定了多少条记录（服务器措辞、服务商措辞、仅凭状态码……）",
    ),
    (
        "parse",
        "max_message_size",
        "每封邮件读取和解析的字节数；更长的邮件只解析开头部分 [默认：32 MiB]",
    ),
    ("parse", "max_parts", "每封邮件最多的 MIME 部分数；超过则该输入报错 [默认：10000]"),
    ("parse", "max_depth", "每封邮件 MIME 嵌套的最大深度；超过则该输入报错 [默认：200]"),
    ("parse", "max_header_line", "一行邮件头的最大字节数；超过则该输入报错 [默认：4 MiB]"),
    ("parse", "max_recipients", "每封邮件保留的收件人数 [默认：100000]"),
    ("parse", "max_diagnostic", "每个收件人保留的诊断文字字节数 [默认：4096]"),
    ("rules check", "file", "要检查的规则文件"),
    ("db migrate", "db", DB_HELP),
    (
        "ingest",
        "paths",
        "文件、文件夹（递归）、maildir 或 mbox，也可为 gzip/xz/zstd 压缩文件；- 或不给路径时读取标准输入",
    ),
    (
        "ingest",
        "source",
        "退信的来源，随每个事件存储（如 file、imap:bounces、smtp）\u{ff1b}未另行指定时 MTA 日志的事件为 log:格式（如 log:postfix）\u{ff0c}webhook 数据的事件为 webhook:服务商（如 webhook:ses）",
    ),
    (
        "ingest",
        "input",
        "输入是什么\u{ff1a}auto 按内容区分邮件、MTA 日志和 JSON\u{ff08}标准输入看其中已有的行\u{ff1b}终端和文件夹按邮件读取\u{ff1b}JSON 文件按其格式认出服务商\u{ff09}\u{ff1b}指定日志格式时每个输入都按该日志读取\u{ff0c}每个结果行作为其记录的原始输入存储\u{ff1b}指定 webhook 服务商时每个输入作为一份数据读取\u{ff1b}取值\u{ff1a}auto、mail、postfix、exim、sendmail、qmail、kumomta（JSON 日志）、pmta（PowerMTA 记账 CSV）、smtp-reply（单独的 SMTP 回复行）\u{ff1b}ses（Amazon SES）、sendgrid、mailgun、postmark、sparkpost、mailjet、brevo、resend、postal、azure（Azure 通信服务）webhook 数据 [默认：auto]",
    ),
    ("ingest", "policy", "自定义生命周期策略文件，叠加在内置策略之上（见 tuixin policy）"),
    (
        "ingest",
        "raw_retention_days",
        "原始输入保留的天数（事件保留其记录）\u{ff1b}更早的在运行结束后清除",
    ),
    ("ingest", "batch", "每个事务最多存储的邮件数（每批提交一次）"),
    ("ingest", "jobs", "解析线程数 [默认：全部 CPU 核心]"),
    ("ingest", "quiet", "不在标准错误输出显示进度条和汇总"),
    (
        "ingest",
        "follow",
        "持续跟踪一个 MTA 日志的新增内容\u{ff08}包括轮转\u{ff09}\u{ff0c}直到被停止\u{ff1b}重启后从存储中保存的位置继续",
    ),
    (
        "ingest",
        "after",
        "用于 imap://\u{ff08}隐式 TLS\u{ff09}、imap+starttls:// 和 imap+plain://\u{ff08}本机服务器\u{ff09}\u{ff1a}退信存储后如何处理\u{ff1a}seen、move:文件夹 或 delete\u{ff08}其他邮件不动\u{ff09} [默认：seen]",
    ),
    (
        "ingest",
        "password_file",
        "用于 imap://\u{ff1a}第一行是密码的文件 [默认：TUIXIN_IMAP_PASSWORD]",
    ),
    ("ingest", "ca_file", "用于 imap://\u{ff1a}除内置根证书外额外信任的 CA 证书（PEM 文件）"),
    ("ingest", "db", DB_HELP),
    (
        "serve",
        "db",
        "数据库\u{ff1a}文件路径、sqlite:路径 或 postgres://用户@主机/库名 [默认：tuixin.db]",
    ),
    ("serve", "http", "监听的地址和端口 [默认：127.0.0.1:8080]"),
    (
        "serve",
        "config",
        "TOML 配置文件\u{ff0c}可含 db、http、policy、log_json、max_body_bytes、request_timeout_secs、max_concurrent、rate_limit_per_second（每个令牌）、max_import_bytes、header_read_timeout_secs、max_connections、raw_retention_days、upkeep_interval_secs\u{ff0c}以及 [smtp] 段（smtp、lmtp、hostname、bounce_domains、bounce_addresses、verp_separators、max_message_bytes、max_recipients、max_line_bytes、max_errors、idle_timeout_secs、command_timeout_secs、max_connections、tls_cert、tls_key）（命令行参数和 TUIXIN_* 环境变量优先）",
    ),
    (
        "serve",
        "policy",
        "自定义生命周期策略文件\u{ff0c}叠加在内置策略之上（PUT /v1/policy 设置的策略优先）",
    ),
    ("serve", "log_json", "以 JSON 行格式输出日志（标准错误输出）"),
    ("serve", "max_body_bytes", "请求体的最大字节数\u{ff1b}超过则以 413 拒绝 [默认：33554432]"),
    (
        "serve",
        "smtp",
        "同时在此地址和端口以 SMTP 接收退信（例如 0.0.0.0:25）\u{ff1b}需要退信域名或退信地址",
    ),
    ("serve", "lmtp", "同时在此地址和端口\u{ff0c}或 Unix 套接字（unix:路径）上以 LMTP 接收退信"),
    (
        "serve",
        "bounce_domain",
        "其所有地址（含 VERP）都是退信地址的域名\u{ff1b}发往其他域名的收件人以 550 拒绝\u{ff0c}绝不转发（可重复\u{ff1b}加在 [smtp] bounce_domains 之上）",
    ),
    ("token create", "name", "供人和审计记录看的名称（例如使用它的服务）"),
    ("token create", "scope", "逗号分隔的范围\u{ff1a}check、read、write、admin"),
    ("token create", "db", DB_HELP),
    ("token list", "db", DB_HELP),
    ("token revoke", "token", "令牌的 id 或名称"),
    ("token revoke", "db", DB_HELP),
    ("check", "addresses", "要检查的地址"),
    ("check", "scope", "要发送的邮件类型：all、transactional、marketing 或流名称"),
    ("check", "db", DB_HELP),
    ("events list", "address", "只看该地址的事件（任何写法）"),
    ("events list", "reason", "只看该原因的事件（userunknown、mailboxfull……）"),
    (
        "events list",
        "category",
        "只看该类别的事件（recipient、sender、message、network、complaint……）",
    ),
    (
        "events list",
        "since",
        "只看该时间及之后的事件（2026-12-01、2026-12-01T08:00:00Z 或 Unix 秒数）",
    ),
    ("events list", "until", "只看该时间之前的事件"),
    ("events list", "limit", "最多列出的事件数 [默认：100]"),
    ("events list", "db", DB_HELP),
    ("events export", "address", "只看该地址的事件（任何写法）"),
    ("events export", "reason", "只看该原因的事件（userunknown、mailboxfull……）"),
    (
        "events export",
        "category",
        "只看该类别的事件（recipient、sender、message、network、complaint……）",
    ),
    (
        "events export",
        "since",
        "只看该时间及之后的事件（2026-12-01、2026-12-01T08:00:00Z 或 Unix 秒数）",
    ),
    ("events export", "until", "只看该时间之前的事件"),
    ("events export", "db", DB_HELP),
    (
        "suppressions list",
        "reason",
        "只看该原因（hard_bounce、soft_bounce_threshold、complaint、unsubscribe、manual、provider）",
    ),
    ("suppressions list", "source", "只看该来源（policy、某用户、provider:名称……）"),
    ("suppressions list", "scope", "只看该范围"),
    ("suppressions list", "domain", "只看该域名下的地址"),
    ("suppressions list", "since", "只看该时间及之后创建的条目"),
    ("suppressions list", "until", "只看该时间之前创建的条目"),
    ("suppressions list", "db", DB_HELP),
    ("suppressions list", "limit", "最多列出的条目数"),
    (
        "suppressions export",
        "reason",
        "只看该原因（hard_bounce、soft_bounce_threshold、complaint、unsubscribe、manual、provider）",
    ),
    ("suppressions export", "source", "只看该来源（policy、某用户、provider:名称……）"),
    ("suppressions export", "scope", "只看该范围"),
    ("suppressions export", "domain", "只看该域名下的地址"),
    ("suppressions export", "since", "只看该时间及之后创建的条目"),
    ("suppressions export", "until", "只看该时间之前创建的条目"),
    ("suppressions export", "db", DB_HELP),
    ("suppressions add", "address", "地址"),
    ("suppressions add", "scope", "范围：all、transactional、marketing 或流名称"),
    ("suppressions add", "note", "原因说明"),
    ("suppressions add", "expires", "条目失效的时间（2027-01-01、RFC 3339 时间或 Unix 秒数）"),
    ("suppressions add", "db", DB_HELP),
    ("suppressions remove", "address", "地址"),
    ("suppressions remove", "scope", "要移除的条目的范围"),
    ("suppressions remove", "note", "原因说明（必填）"),
    ("suppressions remove", "admin", "允许移除已锁定的条目（投诉）"),
    ("suppressions remove", "db", DB_HELP),
    ("suppressions import", "file", "要导入的文件（- 表示标准输入）"),
    ("suppressions import", "db", DB_HELP),
    ("address", "address", "地址（任何写法）"),
    ("address", "db", DB_HELP),
    ("alerts list", "all", "也列出已关闭的告警"),
    ("alerts list", "limit", "最多列出的告警数"),
    ("alerts list", "policy", "自定义生命周期策略文件（其告警静默时长决定哪些告警仍未关闭）"),
    ("alerts list", "db", DB_HELP),
    ("policy check", "file", "要检查的策略文件"),
    ("policy show", "policy", "自定义策略文件\u{ff1b}只需写出要改动的字段"),
];

/// The help of `--db`, shared by the store commands.
const DB_HELP: &str = "数据库：文件路径、sqlite:路径 或 postgres://用户@主机/库名";

/// Flags whose values are listed in their help (clap would list them with English notes).
const VALUES_IN_HELP: &[(&str, &str, &str)] = &[
    (
        "",
        "lang",
        "说明文字的语言\u{ff1a}en（英文）、zh（简体中文）[默认\u{ff1a}取自 LC_ALL、LC_MESSAGES 或 LANG\u{ff1b}zh_* 为中文]",
    ),
    (
        "",
        "color",
        "何时使用颜色\u{ff1a}auto（写到终端时）、always（总是）、never（从不）[默认\u{ff1a}auto]",
    ),
    (
        "suppressions list",
        "format",
        "输出格式\u{ff1a}human（每个条目一行）、json、jsonl、csv [默认\u{ff1a}human\u{ff1b}加 --json 时为 json]",
    ),
    (
        "suppressions export",
        "format",
        "输出格式\u{ff1a}csv（带表头）、jsonl（每行一个对象）[默认\u{ff1a}csv]",
    ),
    (
        "policy show",
        "format",
        "输出格式\u{ff1a}toml（与策略文件相同）、json（与 HTTP API 相同）[默认\u{ff1a}toml\u{ff1b}加 --json 时为 json]",
    ),
    (
        "parse",
        "format",
        "输出格式\u{ff1a}human（每个收件人\u{ff1a}地址、原因、代码及其含义、处理建议）、json（一个记录数组）、jsonl（每行一条记录）、csv（带表头）[默认\u{ff1a}终端上为 human\u{ff0c}否则为 jsonl\u{ff1b}加 --json 时为 json]",
    ),
    (
        "check",
        "format",
        "输出格式\u{ff1a}human（每个地址一行）、json（一个数组）、jsonl（每行一个对象）[默认\u{ff1a}human\u{ff1b}加 --json 时为 json]",
    ),
    (
        "events list",
        "format",
        "输出格式\u{ff1a}human（每个事件一行）、json、jsonl、csv [默认\u{ff1a}human\u{ff1b}加 --json 时为 json]",
    ),
    (
        "events export",
        "format",
        "输出格式\u{ff1a}jsonl（每行一个对象）、csv（带表头）[默认\u{ff1a}jsonl]",
    ),
];

/// The examples and notes below each command's help.
const AFTER_HELP: &[(&str, &str)] = &[
    (
        "",
        "示例\u{ff1a}\n  tuixin explain 550\n  tuixin explain 5.1.1 --lang zh\n  tuixin explain \"550-5.1.1 The email account that you tried to reach does not exist.\"\n  tuixin codes --csv > codes.csv",
    ),
    (
        "explain",
        "示例\u{ff1a}\n  tuixin explain 550\n  tuixin explain 550 5.1.1\n  tuixin explain 5.7.509                      # 未注册的代码\u{ff1a}按类别和主题解释\n  tuixin explain --provider google 5.7.27     # Gmail 对该代码的含义\n  tuixin explain \"很抱歉您的邮件被退回。原因\u{ff1a}收件人邮箱空间已满\"\n  tuixin explain --lang zh --json 4.2.2\n退出状态\u{ff1a}成功为 0\u{ff0c}输入无效（如不合语法的代码）为 2。",
    ),
    (
        "codes",
        "示例\u{ff1a}\n  tuixin codes\n  tuixin codes --lang zh\n  tuixin codes --json | jq '.[] | select(.code == \"5.1.1\")'\n  tuixin codes --csv > codes.csv",
    ),
    (
        "parse",
        "示例\u{ff1a}\n  tuixin parse examples/                      # 文件夹下的每个文件\n  tuixin parse bounce.eml --format json --explain\n  tuixin parse ~/Maildir/.Bounces --format csv > bounces.csv\n  tuixin parse archive.mbox -j 2 > records.jsonl\n  tuixin parse archive.mbox.gz\n  cat bounce.eml | tuixin parse -\n  tuixin parse /var/log/mail.log /var/log/mail.log.1.gz   # MTA 日志\u{ff0c}按内容识别\n  tail -f /var/log/exim4/mainlog | tuixin parse --input exim\n\n输出\u{ff1a}终端上为 human\u{ff0c}否则为 JSON Lines。汇总写到标准错误输出\u{ff0c}文件夹遍历中跳过的输入\n（指回已读文件夹的链接、命名管道）和因限制被截断的邮件各有一条说明。\n退出状态\u{ff1a}所有输入都读取成功时为 0（没有退信的邮件不算错误）\u{ff0c}有输入无法读取或不是邮件时为 1\n（每个都在标准错误输出中列出\u{ff0c}其余照常解析）。",
    ),
    (
        "suppressions list",
        "示例\u{ff1a}\n  tuixin suppressions list --reason hard_bounce --domain example.org\n  tuixin suppressions list --since 2026-12-01 --format csv",
    ),
    (
        "suppressions add",
        "示例\u{ff1a}\n  tuixin suppressions add alice@example.org --scope marketing --note \"电话中要求\"\n  tuixin suppressions add bob@example.org --expires 2027-01-01\n\n退出状态\u{ff1a}添加成功为 0\u{ff1b}地址或范围无效、该处已有锁定条目时为 2。",
    ),
    (
        "suppressions remove",
        "示例\u{ff1a}\n  tuixin suppressions remove alice@example.org --scope all --note \"邮箱已修复\u{ff0c}客户已确认\"\n  tuixin suppressions remove carol@example.org --scope marketing --admin --note \"投诉已撤回\"\n\n退出状态\u{ff1a}移除成功为 0\u{ff1b}没有该条目、条目已锁定（投诉\u{ff1a}需 --admin）或缺少备注时为 2。",
    ),
    (
        "suppressions import",
        "示例\u{ff1a}\n  tuixin suppressions import ses-suppressions.csv\n  tuixin suppressions import entries.jsonl\n\nCSV 需有表头\u{ff0c}至少包含 address 和 reason（created_at、code、error、scope 可选）\u{ff1b}原因\u{ff1a}hard_bounce（或 bounce）、\nsoft_bounce_threshold、complaint、unsubscribe、manual、provider。出错的行在标准错误输出中按行号列出\u{ff0c}其余照常导入。\n退出状态\u{ff1a}全部导入为 0\u{ff0c}有行被拒绝为 1\u{ff0c}文件无法读取为 2。",
    ),
    (
        "suppressions export",
        "示例\u{ff1a}\n  tuixin suppressions export > suppressions.csv\n  tuixin suppressions export --format jsonl --reason complaint",
    ),
    (
        "address",
        "示例\u{ff1a}\n  tuixin address alice@example.org\n  tuixin address alice@example.org --json\n\n退出状态\u{ff1a}地址已知为 0\u{ff0c}从未出现为 1\u{ff0c}出错为 2。",
    ),
    ("alerts list", "示例\u{ff1a}\n  tuixin alerts list\n  tuixin alerts list --all --json"),
    (
        "policy check",
        "示例\u{ff1a}\n  tuixin policy check my-policy.toml\n  tuixin policy show > my-policy.toml          # 以内置策略为起点\n\n退出状态\u{ff1a}文件有效为 0\u{ff0c}无效为 2（指出行号和字段）。",
    ),
    (
        "policy show",
        "示例\u{ff1a}\n  tuixin policy show\n  tuixin policy show --policy my-policy.toml\n  tuixin policy show --format json | jq .soft\n\n退出状态\u{ff1a}成功为 0\u{ff1b}策略文件无法读取或无效时为 2。",
    ),
    (
        "rules check",
        "示例\u{ff1a}\n  tuixin rules check my-rules.toml\n\n退出状态\u{ff1a}文件有效为 0\u{ff0c}无效为 2。",
    ),
    (
        "db migrate",
        "示例\u{ff1a}\n  tuixin db migrate\n  tuixin db migrate --db postgres://tuixin@db.internal/tuixin\n\n退出状态\u{ff1a}结构已是最新时为 0\u{ff1b}数据库无法打开或比本 tuixin 新时为 2（此时数据库不被改动）。",
    ),
    (
        "ingest",
        "示例\u{ff1a}\n  tuixin ingest ~/Maildir/.Bounces\n  tuixin ingest --source imap:bounces archive.mbox.gz\n  cat bounce.eml | tuixin ingest -\n  tuixin ingest --db postgres://tuixin@db.internal/tuixin bounces/\n\n每个输入连同其记录存为事件\u{ff1b}再次导入同一封退信只算作重复\u{ff0c}不改变任何内容。汇总写到标准错误输出。\n退出状态\u{ff1a}所有输入都已导入为 0\u{ff1b}有输入无法读取或不是邮件为 1（每个都在标准错误输出中列出\u{ff0c}其余照常存储）\u{ff1b}\n用法或数据库错误为 2。",
    ),
    (
        "check",
        "示例\u{ff1a}\n  tuixin check alice@example.org\n  tuixin check --scope marketing alice@example.org bob@example.net\n  tuixin check --format jsonl alice@example.org\n\n退出状态\u{ff1a}所有地址都允许发送为 0\u{ff0c}有地址被抑制为 1\u{ff0c}出错（地址无效、数据库无法打开）为 2。",
    ),
    (
        "events list",
        "示例\u{ff1a}\n  tuixin events list --address alice@example.org\n  tuixin events list --reason userunknown --since 2026-12-01 --limit 20\n  tuixin events list --category sender --format jsonl",
    ),
    (
        "events export",
        "示例\u{ff1a}\n  tuixin events export > events.jsonl\n  tuixin events export --format csv --since 2026-12-01 > events.csv",
    ),
];

/// The layout of a help page, with clap's headings in Chinese.
const TEMPLATE: &str =
    "{before-help}{about-with-newline}\n用法\u{ff1a}{usage}\n\n{all-args}{after-help}";

/// The command with its help in Chinese.
pub fn localize(command: Command) -> Command {
    localize_at(command, "")
}

fn localize_at(mut command: Command, path: &str) -> Command {
    if let Some((_, about)) = ABOUT.iter().find(|(p, _)| *p == path) {
        command = command.about(*about);
    }
    for (p, id, help) in ARGS {
        if *p == path {
            command = command.mut_arg(*id, |arg| arg.help(*help));
        }
    }
    for (p, id, help) in VALUES_IN_HELP {
        if *p == path {
            command = command.mut_arg(*id, |arg| {
                arg.help(*help).hide_possible_values(true).hide_default_value(true)
            });
        }
    }
    if let Some((_, after)) = AFTER_HELP.iter().find(|(p, _)| *p == path) {
        command = command.after_help(*after);
    }
    command = command.mut_args(|arg| {
        let heading = if arg.is_positional() { "参数" } else { "选项" };
        let arg = arg.help_heading(heading);
        // clap says "[default: ...]" and "[env: ...]" in English: said in Chinese instead.
        let default: Vec<String> =
            arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
        let show_default = arg.get_action().takes_values()
            && !default.is_empty()
            && !arg.is_hide_default_value_set();
        let env = arg
            .get_env()
            .filter(|_| !arg.is_hide_env_set())
            .map(|e| e.to_string_lossy().into_owned());
        if !show_default && env.is_none() {
            return arg;
        }
        let mut help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        if let Some(env) = &env {
            help.push_str(&format!(" [环境变量\u{ff1a}{env}]"));
        }
        if show_default {
            help.push_str(&format!(" [默认\u{ff1a}{}]", default.join(", ")));
        }
        let arg = arg.help(help).hide_env(true);
        // clap refuses hide_default_value on a flag that takes no value (`--log-json`).
        if arg.get_action().takes_values() { arg.hide_default_value(true) } else { arg }
    });
    command = command
        .help_template(TEMPLATE)
        .next_help_heading("选项")
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        // clap makes its own -h and -V flags only when the command is built: ours in their
        // place, with the same actions.
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("显示帮助")
                .global(path.is_empty()),
        );
    if path.is_empty() {
        command = command.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本"),
        );
    }
    let names: Vec<String> =
        command.get_subcommands().map(|sub| sub.get_name().to_owned()).collect();
    for name in names {
        let sub_path = if path.is_empty() { name.clone() } else { format!("{path} {name}") };
        command = command.mut_subcommand(&name, |sub| localize_at(sub, &sub_path));
    }
    command
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn every_command_and_flag_has_chinese_help() {
        let mut command = super::localize(crate::args::Args::command());
        // Built, so that every subcommand holds the global flags and renders on its own.
        command.build();
        fn check(command: &clap::Command, path: &str) {
            let about = command.get_about().map(|a| a.to_string()).unwrap_or_default();
            assert!(!about.is_ascii(), "{path:?} has no Chinese description: {about}");
            for arg in command.get_arguments() {
                let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
                assert!(!help.is_ascii(), "{path} --{}: {help}", arg.get_id());
            }
            // clap's own English notes on defaults and environment variables are replaced.
            let page = command.clone().render_help().to_string();
            for english in ["[default:", "[env:"] {
                assert!(!page.contains(english), "{path:?} help says {english}: {page}");
            }
            // clap's own `help` subcommands (made by build) are left as they are.
            for sub in command.get_subcommands().filter(|sub| sub.get_name() != "help") {
                let name = sub.get_name();
                check(
                    sub,
                    &if path.is_empty() { name.to_owned() } else { format!("{path} {name}") },
                );
            }
        }
        check(&command, "");
    }
}
