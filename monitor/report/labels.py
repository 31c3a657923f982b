"""The weekly report's words in each language: headings, column headers, notes and why a section is empty."""

from __future__ import annotations

__all__ = ["LABELS", "NO_DATA_CODES", "UnknownLanguage", "UnknownLanguageError", "labels_for", "no_data_text"]

#: the codes of model.NoData, in the order a reader would check them
NO_DATA_CODES = ("not_configured", "disabled", "never_ran", "failing", "nothing")

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "AI 行业周报",
        "week": "{monday}（周一）至 {sunday}（周日）",
        "partial": "本周尚未结束：数据不完整",
        "generated": "生成于 {at}（{zone}）",
        "notes": "说明",
        "demo_data": (
            "演示数据：本报告的数据由 aipulse demo 回放录制的响应生成（crawl_runs.trigger = demo），并非真实观测。"
        ),
        "sec_gpu": "算力租赁价格",
        "sec_traffic": "AI 网站流量",
        "sec_funding": "AI 融资动向",
        "sec_market": "行情复盘",
        "sec_watch": "重点关注公司",
        "sec_health": "告警与数据健康",
        # GPU
        "col_model": "型号",
        "col_provider": "平台",
        "col_instance": "实例",
        "col_gpus": "卡数",
        "col_vcpu": "vCPU",
        "col_memory": "内存 (GB)",
        "col_disk": "硬盘",
        "col_price_h": "价格/小时",
        "col_per_gpu": "每卡时",
        "col_gpu_change": "周环比",
        "col_status": "状态",
        "sold_out": "售罄",
        "available": "在售",
        "last_seen": "最后观测 {date}",
        "note_gpu_stale": "† 本周未观测到该报价：显示最后一次观测时的状态（日期见状态列）。",
        "note_last_known": "‡ 已售罄且当前无标价：显示最后已知价格。",
        "note_gpu_change": "周环比：每卡时价格与一周前相比；— 表示无法比较。",
        "note_trend": "走势图：近 8 周每天各平台最低每卡时价格，统一换算为 {currency}。",
        "note_fx_date": "换算汇率日期：{date}。",
        "note_unconverted": (
            "缺少 [fx] 汇率的币种：{currencies}；其报价未计入走势图，并在表中排在可换算报价之后单独排序。"
        ),
        "note_gpu_rank": "表内各型号按每卡时价格从低到高排列，不同币种先按 [fx] 汇率换算为 {currency} 再比较。",
        "note_panels_capped": "走势图只显示前 {n} 个型号。",
        "chart_gpu_ylabel": "每卡时价格（{currency}）",
        "alt_gpu": "近 8 周各型号、各平台每卡时价格走势",
        # traffic
        "col_app": "应用",
        "col_visits": "访问量",
        "col_visits_change": "访问量环比",
        "col_duration": "平均访问时长",
        "col_duration_change": "时长环比",
        "col_rank": "全球排名",
        "gran_week": "周度",
        "gran_month": "月度",
        "gran_day": "日度",
        "traffic_period": "{granularity}数据，统计周期 {start} 至 {end}；来源：{source}；环比为与上一周期相比。",
        "traffic_stale": "† 最新的完整周期在本周开始前已结束：数字不是本周的。",
        "no_data_app": "无数据",
        "note_traffic": "平均访问时长为 分:秒；无数据 = 来源在该周期没有该应用的数据（不记为 0）；— 表示未知。",
        "note_tranco": "(Tranco)：来源没有排名，取 Tranco 榜单在该周期最后一天的排名。",
        "chart_visits": "访问量环比",
        "chart_duration": "时长环比",
        "chart_change_xlabel": "环比（%）",
        "alt_traffic": "各应用访问量与平均访问时长的环比",
        # funding
        "col_company": "公司",
        "col_sector": "领域",
        "col_leads": "领投方",
        "col_round": "轮次",
        "col_amount": "金额",
        "col_valuation": "估值",
        "col_date": "日期",
        "col_outlets": "报道媒体",
        "planned": "（计划中）",
        "note_funding_order": "按金额从大到小排列（以 {date} 的汇率折合美元比较）；金额为报道原文。",
        # market
        "col_index": "指数",
        "col_week_pct": "本周",
        "col_best": "最大涨幅日",
        "col_worst": "最大跌幅日",
        "closed": "休市",
        "weekdays": "周一,周二,周三,周四,周五,周六,周日",
        "largest_rise": "本周最大单日涨幅：{name}（{symbol}）{day} {pct}",
        "largest_fall": "本周最大单日跌幅：{name}（{symbol}）{day} {pct}",
        "board_gainers": "{board} 涨幅前 {n}",
        "board_losers": "{board} 跌幅前 {n}",
        "board_quoted": "{board}：{members} 只成分股中 {quoted} 只有当日涨跌，最新行情 {at}。",
        "boards_missing": "尚无成分股列表：{boards}（请先运行 eastmoney_boards）。",
        "col_rank_no": "#",
        "col_code": "代码",
        "col_name": "名称",
        "col_quote_price": "价格",
        "col_day_change": "涨跌幅",
        "none": "（无）",
        "note_market": "每日涨跌幅为与上一交易日收盘价相比。",
        "chart_market_ylabel": "涨跌幅（%）",
        "alt_market": "各指数本周每个交易日的涨跌幅",
        # watch list
        "col_eps": "EPS {year}",
        "col_pe": "PE {year}",
        "col_rating": "评级",
        "col_quote_time": "报价时间",
        "halted": "停牌",
        "note_watch_stale": "† 本周没有新的行情：显示最后一次报价。",
        "note_pe": "PE = 价格 / EPS；亏损 = EPS 为负；n.m. = EPS 为 0；— 表示未知。",
        # alerts and health
        "sub_alerts": "本周告警",
        "no_alerts": "本周没有告警。",
        "charts_attached": "见附件 PDF",
        "col_time": "时间",
        "col_rule": "规则",
        "col_transition": "状态",
        "col_what": "内容",
        "tr_firing": "触发",
        "tr_repeat": "仍在触发",
        "tr_resolved": "已恢复",
        "tr_event": "事件",
        "tr_pending": "待定",
        "tr_cleared": "已清除",
        "sub_health": "数据健康",
        "col_source": "数据源",
        "col_kind": "类型",
        "col_state": "状态",
        "col_runs_ok": "成功次数",
        "col_runs_failed": "失败次数",
        "col_last_success": "最后成功",
        "col_last_error": "最后错误",
        "state_ok": "正常",
        "state_failing": "失败",
        "state_stale": "过期",
        "state_never": "从未运行",
        "state_disabled": "已停用",
        "no_sources": "没有配置数据源。",
        "health_problems": "有问题的数据源：{names}。",
        "health_all_ok": "所有启用的数据源本周运行正常。",
        "quarantined": "隔离的数据点（未通过校验，未进入报表）：{n} 个。",
        # why a section is empty
        "nd_prefix": "本节无数据：",
        "nd_not_configured": "没有配置数据源",
        "nd_disabled": "数据源已停用",
        "nd_never_ran": "数据源还没有运行过",
        "nd_failing": "数据源本周运行失败",
        "nd_nothing": "本周没有发生相关事件",
        "nd_unknown": "原因未知（{code}）",
        # the chat summary
        "sum_title": "AI 行业周报 {monday} 至 {sunday}",
        "sum_partial": "（本周未结束）",
        "sum_cheapest": "{family} 最低：{items}",
        "sum_cheapest_item": "{price} {currency}/卡时（{provider}，{change}）",
        "sum_gpu_move": "算力最大变动：{model} @ {provider} {change}",
        "sum_traffic": "流量：{items}",
        "sum_funding": "融资：{n} 笔，最大 {company} {amount}（{round}）",
        "sum_funding_none": "融资：本周 0 笔",
        "sum_market": "行情：{items}",
        "sum_rise_fall": "最大涨幅 {rise}；最大跌幅 {fall}",
        "sum_alerts": "告警：{n} 条（触发 {fired} 条）",
        "sum_health_ok": "数据源：全部正常",
        "sum_health": "数据源：{items}",
        "sum_no_data": "{section}：无数据（{reason}）",
        "list_sep": "，",
        "item_sep": "；",
    },
    "en": {
        "title": "AI industry weekly report",
        "week": "{monday} (Mon) to {sunday} (Sun)",
        "partial": "Partial week: the week is still running",
        "generated": "Generated {at} ({zone})",
        "notes": "Notes",
        "demo_data": (
            "Demo data: made by `aipulse demo` from replayed recordings (crawl_runs.trigger = demo), "
            "not real observations."
        ),
        "sec_gpu": "GPU rental prices",
        "sec_traffic": "AI website traffic",
        "sec_funding": "AI funding",
        "sec_market": "Market review",
        "sec_watch": "Watch list",
        "sec_health": "Alerts and data health",
        # GPU
        "col_model": "GPU",
        "col_provider": "provider",
        "col_instance": "instance",
        "col_gpus": "GPUs",
        "col_vcpu": "vCPU",
        "col_memory": "memory (GB)",
        "col_disk": "disk",
        "col_price_h": "price/h",
        "col_per_gpu": "per GPU-h",
        "col_gpu_change": "vs last week",
        "col_status": "status",
        "sold_out": "sold out",
        "available": "available",
        "last_seen": "last seen {date}",
        "note_gpu_stale": "† not observed this week: the row shows the offer as last seen (date in the status column).",
        "note_last_known": "‡ sold out and listing no price now: the last known price.",
        "note_gpu_change": "vs last week: price per GPU-hour against the one a week earlier; — when not comparable.",
        "note_trend": "Chart: cheapest price per GPU-hour per day and provider over the last 8 weeks, in {currency}.",
        "note_fx_date": "FX rates of {date}.",
        "note_unconverted": (
            "No [fx] rate for {currencies}: those offers are left out of the chart and ranked apart in the table, "
            "after the convertible ones."
        ),
        "note_gpu_rank": (
            "Within each model, cheapest per GPU-hour first; prices in other currencies are compared after "
            "conversion to {currency} with [fx]."
        ),
        "note_panels_capped": "The chart shows the first {n} models.",
        "chart_gpu_ylabel": "price per GPU-hour ({currency})",
        "alt_gpu": "Price per GPU-hour over the last 8 weeks, per model and provider",
        # traffic
        "col_app": "app",
        "col_visits": "visits",
        "col_visits_change": "visits change",
        "col_duration": "avg visit duration",
        "col_duration_change": "duration change",
        "col_rank": "global rank",
        "gran_week": "Weekly",
        "gran_month": "Monthly",
        "gran_day": "Daily",
        "traffic_period": "{granularity} data for {start} to {end}; source: {source}; changes vs the period before.",
        "traffic_stale": "† The newest complete period ended before this week began: "
        "these are not this week's numbers.",
        "no_data_app": "no data",
        "note_traffic": "Average visit duration as m:ss; no data = the source has nothing for the app in this period "
        "(never shown as 0); — = not known.",
        "note_tranco": "(Tranco): the source has no rank; Tranco's list rank on the period's last listed day.",
        "chart_visits": "visits change",
        "chart_duration": "duration change",
        "chart_change_xlabel": "change (%)",
        "alt_traffic": "Each app's change in visits and in average visit duration",
        # funding
        "col_company": "company",
        "col_sector": "sector",
        "col_leads": "lead investors",
        "col_round": "round",
        "col_amount": "amount",
        "col_valuation": "valuation",
        "col_date": "date",
        "col_outlets": "outlets",
        "planned": " (planned)",
        "note_funding_order": "Largest first (compared in USD at the {date} rates); amounts as reported.",
        # market
        "col_index": "index",
        "col_week_pct": "week",
        "col_best": "best day",
        "col_worst": "worst day",
        "closed": "closed",
        "weekdays": "Mon,Tue,Wed,Thu,Fri,Sat,Sun",
        "largest_rise": "Largest daily rise of the week: {name} ({symbol}) {day} {pct}",
        "largest_fall": "Largest daily fall of the week: {name} ({symbol}) {day} {pct}",
        "board_gainers": "{board} top {n} gainers",
        "board_losers": "{board} top {n} losers",
        "board_quoted": "{board}: {quoted} of {members} members quoted with a day change, latest quote {at}.",
        "boards_missing": "No member list yet for {boards} (run eastmoney_boards first).",
        "col_rank_no": "#",
        "col_code": "code",
        "col_name": "name",
        "col_quote_price": "price",
        "col_day_change": "change",
        "none": "(none)",
        "note_market": "Daily change against the previous trading day's close.",
        "chart_market_ylabel": "daily change (%)",
        "alt_market": "Each index's % change on each trading day of the week",
        # watch list
        "col_eps": "EPS {year}",
        "col_pe": "PE {year}",
        "col_rating": "rating",
        "col_quote_time": "quote time",
        "halted": "halted",
        "note_watch_stale": "† no quote during the week: the last quote is shown.",
        "note_pe": "PE = price / EPS; 亏损 = loss (EPS below 0); n.m. = EPS of 0; — = not known.",
        # alerts and health
        "sub_alerts": "Alerts this week",
        "no_alerts": "No alert fired this week.",
        "charts_attached": "see the attached PDF",
        "col_time": "time",
        "col_rule": "rule",
        "col_transition": "state",
        "col_what": "what",
        "tr_firing": "firing",
        "tr_repeat": "still firing",
        "tr_resolved": "resolved",
        "tr_event": "event",
        "tr_pending": "pending",
        "tr_cleared": "cleared",
        "sub_health": "Data health",
        "col_source": "source",
        "col_kind": "kind",
        "col_state": "state",
        "col_runs_ok": "runs ok",
        "col_runs_failed": "runs failed",
        "col_last_success": "last success",
        "col_last_error": "last error",
        "state_ok": "ok",
        "state_failing": "failing",
        "state_stale": "stale",
        "state_never": "never ran",
        "state_disabled": "disabled",
        "no_sources": "No source is configured.",
        "health_problems": "Sources with problems: {names}.",
        "health_all_ok": "Every enabled source ran fine this week.",
        "quarantined": "Quarantined points (failed validation, not in the report): {n}.",
        # why a section is empty
        "nd_prefix": "No data for this section: ",
        "nd_not_configured": "no source is configured for it",
        "nd_disabled": "its source is disabled",
        "nd_never_ran": "its source has never run",
        "nd_failing": "its source failed this week",
        "nd_nothing": "nothing happened this week",
        "nd_unknown": "reason unknown ({code})",
        # the chat summary
        "sum_title": "AI weekly {monday} to {sunday}",
        "sum_partial": " (partial week)",
        "sum_cheapest": "Cheapest {family}: {items}",
        "sum_cheapest_item": "{price} {currency}/GPU-h ({provider}, {change})",
        "sum_gpu_move": "Biggest GPU price move: {model} @ {provider} {change}",
        "sum_traffic": "Traffic: {items}",
        "sum_funding": "Funding: {n} rounds, largest {company} {amount} ({round})",
        "sum_funding_none": "Funding: no round this week",
        "sum_market": "Market: {items}",
        "sum_rise_fall": "largest rise {rise}; largest fall {fall}",
        "sum_alerts": "Alerts: {n} ({fired} fired)",
        "sum_health_ok": "Sources: all ok",
        "sum_health": "Sources: {items}",
        "sum_no_data": "{section}: no data ({reason})",
        "list_sep": ", ",
        "item_sep": "; ",
    },
}


class UnknownLanguageError(ValueError):
    """The report has no words for this language."""

    def __init__(self, language: str) -> None:
        self.language = language
        known = ", ".join(sorted(LABELS))
        super().__init__(f"unknown report language {language!r}: use one of {known}")


#: the name the report's callers use
UnknownLanguage = UnknownLanguageError


def labels_for(lang: str) -> dict[str, str]:
    """The words of `lang`; UnknownLanguage for a language the report does not speak."""
    try:
        return LABELS[lang]
    except KeyError:
        raise UnknownLanguageError(lang) from None


def no_data_text(code: str, detail: str, lang: str) -> str:
    """One sentence saying that a section has no data and why (model.NoData's code, then its detail as given)."""
    words = labels_for(lang)
    reason = words[f"nd_{code}"] if code in NO_DATA_CODES else words["nd_unknown"].format(code=code)
    detail = detail.strip()
    if detail:
        reason += f"（{detail}）" if lang == "zh" else f" ({detail})"
    return words["nd_prefix"] + reason + ("。" if lang == "zh" else ".")
