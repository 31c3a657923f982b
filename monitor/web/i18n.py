"""The dashboard's words in Chinese and English: `[report] language` by default, `?lang=zh|en` per request."""

from __future__ import annotations

from monitor.report.labels import labels_for

LANGUAGES = ("zh", "en")

#: key -> (zh, en)
WORDS: dict[str, tuple[str, str]] = {
    "title": ("aipulse 看板", "aipulse dashboard"),
    "overview": ("概览", "Overview"),
    "gpu": ("GPU 租赁", "GPU"),
    "traffic": ("流量", "Traffic"),
    "funding": ("融资", "Funding"),
    "quotes": ("自选股", "Quotes"),
    "market": ("市场", "Market"),
    "alerts": ("告警", "Alerts"),
    "sources": ("数据源", "Sources"),
    "reports": ("周报", "Reports"),
    "cheapest": ("每 GPU 小时最低价（中国 vs 海外）", "Cheapest per GPU-hour (China vs outside)"),
    "china": ("中国", "China"),
    "outside": ("海外", "Outside China"),
    "model": ("型号", "Model"),
    "provider": ("服务商", "Provider"),
    "region": ("地域", "Region"),
    "instance": ("实例", "Instance"),
    "last_seen": ("最后看到", "Last seen"),
    "range": ("时间范围", "Range"),
    "billing": ("计费", "Billing"),
    "currency": ("币种", "Currency"),
    "available_only": ("仅有货", "available only"),
    "price": ("价格", "Price"),
    "per_gpu_hour": ("每 GPU 小时", "Per GPU-hour"),
    "compared": ("折算", "Converted"),
    "change_7d": ("7 日变化", "vs 7d"),
    "available": ("库存", "Available"),
    "sold_out": ("售罄", "sold out"),
    "yes": ("有", "yes"),
    "gpu_moves": ("GPU 价格最大变动", "Biggest GPU price moves"),
    "traffic_leaders": ("流量领先与变动", "Traffic leaders and movers"),
    "largest_rounds": ("本周最大融资", "The week's largest rounds"),
    "watch_moves": ("自选股涨跌", "Watch list moves"),
    "firing": ("触发中的告警", "Firing alerts"),
    "problems": ("失败或过期的数据源", "Failing or stale sources"),
    "none": ("无", "none"),
    "filter": ("筛选", "Filter"),
    "download": ("下载", "Download"),
    "page": ("页", "page"),
    "prev": ("上一页", "previous"),
    "next": ("下一页", "next"),
    "history": ("价格历史", "Price history"),
    "sold_out_spans": ("阴影：售罄", "shaded: sold out"),
    "app": ("应用", "App"),
    "visits": ("访问量", "Visits"),
    "duration": ("平均时长", "Avg visit"),
    "rank": ("全球排名", "Global rank"),
    "company": ("公司", "Company"),
    "round": ("轮次", "Round"),
    "amount": ("金额", "Amount"),
    "date": ("日期", "Date"),
    "outlets": ("媒体", "Outlets"),
    "since": ("起始", "since"),
    "ai_only": ("仅 AI", "AI only"),
    "min_usd": ("最低金额 (USD)", "min amount (USD)"),
    "symbol": ("代码", "Symbol"),
    "name": ("名称", "Name"),
    "change": ("涨跌", "Change"),
    "quote_time": ("行情时间", "Quote time"),
    "rating": ("评级", "Rating"),
    "index_week": ("指数周表现", "Index week"),
    "week": ("本周", "Week"),
    "board_movers": ("板块涨跌榜", "Board movers"),
    "rule": ("规则", "Rule"),
    "series": ("序列", "Series"),
    "state": ("状态", "State"),
    "since_at": ("开始于", "Since"),
    "transition": ("转换", "Transition"),
    "at": ("时间", "At"),
    "silences": ("静默", "Silences"),
    "alert_history": ("告警历史", "History of transitions"),
    "ends_at": ("结束于", "Ends"),
    "comment": ("备注", "Comment"),
    "pending": ("等待中", "Pending"),
    "source": ("数据源", "Source"),
    "kind": ("类型", "Kind"),
    "schedule": ("计划", "Schedule"),
    "health": ("健康", "Health"),
    "last_run": ("上次运行", "Last run"),
    "last_success": ("上次成功", "Last success"),
    "next_run": ("下次运行", "Next run"),
    "status": ("状态", "Status"),
    "error": ("错误", "Error"),
    "items": ("条目", "Items"),
    "started": ("开始", "Started"),
    "runs": ("最近运行", "Recent runs"),
    "file": ("文件", "File"),
    "size": ("大小", "Size"),
    "modified": ("修改时间", "Modified"),
    "no_data": ("暂无数据", "no data yet"),
    "bad_request": ("请求有误", "Bad request"),
    "not_found": ("未找到", "Not found"),
    "unavailable": ("数据库不可用", "Database unavailable"),
    "server_error": ("服务器错误", "Server error"),
    "apply": ("应用", "Apply"),
    "all": ("全部", "all"),
    "rows": ("行", "rows"),
    "fx_note": ("按 [fx] 汇率折算为", "converted with the [fx] table into"),
    "trigger": ("触发方式", "Trigger"),
    "dropped": ("丢弃", "Dropped"),
    "notification": ("通知", "Notification"),
    # actions (monitor/web/actions.py) and the panel that sends them (static/actions.js)
    "actions": ("操作", "Actions"),
    "actions_off": (
        '操作未启用：设置 [web] token = "${AIPULSE_WEB_TOKEN}" 后，可在此静默告警、立即运行数据源、发送测试通知。',
        'Actions are off: set [web] token = "${AIPULSE_WEB_TOKEN}" to silence alerts, run a source now and send a '
        "test notification from these pages.",
    ),
    "actions_need_js": ("操作需要浏览器启用 JavaScript。", "The actions need JavaScript in the browser."),
    "token": ("访问令牌", "Token"),
    "token_hint": (
        "只保存在本标签页（sessionStorage），关闭标签页即清除；不写入 cookie，也不发给其他网站。",
        "kept in this tab only (sessionStorage) until it closes; never a cookie, never sent to another site.",
    ),
    "save_token": ("保存", "Save"),
    "forget_token": ("清除", "Forget"),
    "token_kept": ("本标签页已保存令牌", "a token is kept for this tab"),
    "token_none": ("尚未粘贴令牌", "no token yet"),
    "token_missing": ("请先粘贴并保存令牌。", "Paste and save the token first."),
    "silence": ("静默", "Silence"),
    "silence_alert": ("静默告警", "Silence an alert"),
    "silence_for": ("时长", "For"),
    "silence_series": ("序列标签（JSON，留空 = 该规则全部序列）", "Series labels (JSON, empty = every series)"),
    "run_now": ("立即运行", "Run now"),
    "test_notification": ("发送测试通知", "Send a test notification"),
    "target": ("通知目标", "Target"),
    "send": ("发送", "Send"),
    "no_targets": ("没有配置 [alerts.targets]。", "No [alerts.targets] configured."),
    "ok_silence": ("已创建静默 #{id}（{rule}），至 {ends_at}", "Silence #{id} created ({rule}) until {ends_at}"),
    "ok_run": ("已开始运行 {source}（在后台进行）", "Run of {source} started (in the background)"),
    "ok_test": (
        "已向 {target} 排队 {queued} 条测试通知，投递错误 {errors} 条",
        "{queued} test notification(s) queued to {target}, {errors} delivery error(s)",
    ),
    "denied": ("401 未授权：", "401 unauthorised: "),
    "failed": ("失败（{status}）：", "Failed ({status}): "),
    "unreachable": ("无法连接服务器：", "The server did not answer: "),
}

#: enum values the weekly report already names (monitor/report/labels.py): kind -> its labels' key prefix
REPORT_VALUE_PREFIXES = {"transition": "tr_", "alert_state": "tr_", "health": "state_"}

#: the other enum values shown in pages: (kind, value) -> (zh, en)
VALUES: dict[tuple[str, str], tuple[str, str]] = {
    ("alert_state", "inactive"): ("未触发", "inactive"),
    ("alert_state", "done"): ("已完成", "done"),
    ("run_status", "running"): ("运行中", "running"),
    ("run_status", "succeeded"): ("成功", "succeeded"),
    ("run_status", "failed"): ("失败", "failed"),
    ("run_status", "blocked"): ("被拦截", "blocked"),
    ("run_status", "aborted"): ("已中止", "aborted"),
    ("run_status", "cancelled"): ("已取消", "cancelled"),
    ("trigger", "schedule"): ("定时", "schedule"),
    ("trigger", "manual"): ("手动", "manual"),
    ("trigger", "web"): ("看板", "dashboard"),
    ("trigger", "demo"): ("演示", "demo"),
    ("trigger", "live-check"): ("在线检查", "live check"),
    ("trigger", "fallback"): ("备用源", "fallback"),
    ("trigger", "record"): ("录制", "record"),
    ("kind", "gpu"): ("算力", "GPU"),
    ("kind", "traffic"): ("流量", "traffic"),
    ("kind", "funding"): ("融资", "funding"),
    ("kind", "quotes"): ("行情", "quotes"),
    ("billing", "on_demand"): ("按量", "on demand"),
    ("billing", "spot"): ("竞价", "spot"),
    ("notification", "notified"): ("已通知", "notified"),
    ("notification", "silenced"): ("已静默", "silenced"),
    ("notification", "cooldown"): ("冷却中", "cooling down"),
    ("notification", "no target"): ("无通知目标", "no target"),
}


def translate(key: str, language: str) -> str:
    """The word for `key` in `language` (the key itself when unknown, so a missing word shows, not breaks)."""
    pair = WORDS.get(key)
    if pair is None:
        return key
    return pair[0] if language == "zh" else pair[1]


def value_label(kind: str, value: str | None, language: str) -> str:
    """An enum value (`kind` is alert_state, transition, health, run_status, trigger, kind, billing or
    notification) in `language`: the report's word when it has one, else VALUES's, else the value itself."""
    if value is None:
        return "—"
    prefix = REPORT_VALUE_PREFIXES.get(kind)
    if prefix is not None:
        word = labels_for(language).get(prefix + value)
        if word is not None:
            return word
    pair = VALUES.get((kind, value))
    if pair is None:
        return value
    return pair[0] if language == "zh" else pair[1]


def schedule_label(text: str, language: str) -> str:
    """monitor.health's schedule text ('every 6h', 'cron 0 8 * * 1 (Asia/Shanghai)', 'not scheduled') in `language`."""
    if language != "zh":
        return text
    if text == "not scheduled":
        return "未排程"
    if text.startswith("every "):
        return "每 " + text.removeprefix("every ")
    return text  # a cron expression reads the same in both
