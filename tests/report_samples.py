"""A hand-built WeeklyReport with realistic numbers (Chinese names, a sold-out and a stale row, a failing source)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from monitor.report.model import (
    AlertLine,
    FundingSection,
    GpuLine,
    GpuSection,
    GpuTrend,
    HealthSection,
    MarketMove,
    MarketSection,
    NoData,
    ReportWeek,
    SourceWeek,
    TrafficSection,
    WatchLine,
    WatchSection,
    WeeklyReport,
)
from monitor.show_funding import FundingLine
from monitor.show_market import BoardMovers, IndexWeek
from monitor.show_traffic import TrafficLine

__all__ = ["MONDAY", "SHANGHAI", "MoverQuote", "sample_report"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2024, 7, 15)
D = Decimal
#: the trend's days: eight weeks of daily points up to the report's Sunday
WEEKS_8 = range(56)


@dataclass(frozen=True)
class MoverQuote:
    """The attributes of a stored quote that BoardMovers' gainers and losers carry."""

    symbol: str
    name: str
    price: Decimal | None
    change_pct: Decimal | None
    status: str
    quote_time: datetime


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def _week() -> ReportWeek:
    start = _at(MONDAY, 0)
    return ReportWeek(MONDAY, SHANGHAI, start, start + timedelta(days=7), partial=False)


def _gpu_line(model: str, provider: str, instance: str, **values: object) -> GpuLine:
    base: dict[str, object] = {
        "region": "cn-beijing",
        "billing": "on_demand",
        "gpus": D(1),
        "vcpus": None,
        "memory_gb": None,
        "disk": None,
        "price": None,
        "per_gpu_hour": None,
        "currency": "CNY",
        "change_pct": None,
        "sold_out": False,
        "price_is_last_known": False,
        "stale": False,
        "last_seen": _at(MONDAY + timedelta(days=6), 22),
        "source": f"{provider}_gpu",
    }
    base.update(values)
    return GpuLine(model=model, provider=provider, instance=instance, **base)  # type: ignore[arg-type]


def _gpu() -> GpuSection:
    lines = [
        _gpu_line("RTX4090-24G", "autodl", "RTX 4090 ×1", region="西北B区", vcpus=16, memory_gb=D(120),
                  disk="30 GB 系统盘 + 50 GB 数据盘", price=D("1.98"), per_gpu_hour=D("1.98"),
                  change_pct=D("-8.333333333333333333333333333")),
        _gpu_line("H100-80G", "lambda", "gpu_8x_h100_sxm5", region="us-east-1", gpus=D(8), vcpus=208,
                  memory_gb=D(1800), disk="24.2 TiB SSD", price=D("23.92"), per_gpu_hour=D("2.99"), currency="USD",
                  change_pct=D("0E-26"), source="lambda_gpu"),
        _gpu_line("H100-80G", "runpod", "H100 SXM", region="secure", billing="spot", vcpus=24,
                  memory_gb=D(125), price=D("2.69"), per_gpu_hour=D("2.69"), currency="USD"),
        _gpu_line("H100-80G", "autodl", "H100 80G ×1", region="北京B区", vcpus=20, memory_gb=D(120),
                  disk="50 GB", price=D("21.00"), per_gpu_hour=D("21.00"),
                  change_pct=D("5.000000000000000000000000000")),
        _gpu_line("A100-40G", "tencent", "GT4.4XLARGE96", region="ap-guangzhou", vcpus=16, memory_gb=D(96),
                  price=D("28.64"), per_gpu_hour=D("28.64"), change_pct=D("-3.25"), stale=True,
                  last_seen=_at(MONDAY - timedelta(days=5), 10, 30)),
        _gpu_line("A100-80G", "lambda", "gpu_1x_a100_sxm4", region="us-west-2", vcpus=30, memory_gb=D(200),
                  disk="512 GiB SSD", price=D("1.79"), per_gpu_hour=D("1.79"), currency="USD",
                  change_pct=D("-10.05025125628140703517587940"), source="lambda_gpu"),
        _gpu_line("A100-80G", "autodl", "A100 80G ×1", region="内蒙B区", vcpus=14, memory_gb=D(100), disk="50 GB",
                  price=D("7.98"), per_gpu_hour=D("7.98"), change_pct=D("2.31")),
        _gpu_line("A100-80G", "aliyun", "ecs.gn7e-c16g1.4xlarge", vcpus=16, memory_gb=D(125), price=D("34.79"),
                  per_gpu_hour=D("34.79"), sold_out=True, price_is_last_known=True),
    ]  # fmt: skip
    first = MONDAY - timedelta(days=49)
    usd = D("7.10")
    trend_specs = (
        ("H100-80G", "autodl", D("20.00"), D("0.02")),
        ("H100-80G", "lambda", D("2.99") * usd, D(0)),
        ("H100-80G", "runpod", D("2.79") * usd, D("-0.01")),
        ("A100-80G", "aliyun", D("34.79"), D(0)),
        ("A100-80G", "autodl", D("7.80"), D("0.003")),
        ("A100-80G", "lambda", D("1.99") * usd, D("-0.004")),
        ("A100-40G", "tencent", D("29.60"), D("-0.02")),
        ("RTX4090-24G", "autodl", D("2.16"), D("-0.003")),
    )
    trend = [
        GpuTrend(
            model, provider, [(first + timedelta(days=n), (start + step * n).quantize(D("0.01"))) for n in WEEKS_8]
        )
        for model, provider, start, step in trend_specs
    ]
    return GpuSection(lines, trend, "CNY", first, unconverted=["HKD"], fx_date="2024-07-01")


def _traffic() -> TrafficSection:
    lines = [
        TrafficLine("ChatGPT", "chatgpt.com", True, visits=723_456_789, visits_change_pct=D("3.2100"),
                    avg_visit_duration_s=D("412.4"), duration_change_pct=D("-1.2"), global_rank=8),
        TrafficLine("豆包", "doubao.com", True, visits=45_678_901, visits_change_pct=D("12.5"),
                    avg_visit_duration_s=D("388.5"), duration_change_pct=D("2.0"), global_rank=512),
        TrafficLine("Kimi", "kimi.moonshot.cn", True, visits=12_345_678, visits_change_pct=D("0.8"),
                    avg_visit_duration_s=D("301"), duration_change_pct=None, global_rank=2045,
                    rank_from_tranco=True),
        TrafficLine("智谱清言", "chatglm.cn", True, visits=8_765_432, visits_change_pct=D("-4.75"),
                    avg_visit_duration_s=D("245.2"), duration_change_pct=D("-9.1")),
        TrafficLine("文心一言", "yiyan.baidu.com", False),
    ]  # fmt: skip
    return TrafficSection("week", "similarweb_api_traffic", date(2024, 7, 8), date(2024, 7, 14), lines, stale=False)


def _funding() -> FundingSection:
    published = _at(MONDAY + timedelta(days=2), 9)

    def line(company: str, sector: str | None, leads: list[str], round_: str, amount: str, valuation: str,
             outlets: list[str], usd: Decimal | None, status: str = "completed") -> FundingLine:  # fmt: skip
        return FundingLine(company, sector, leads, round_, amount, valuation, published, outlets, status, True,
                           usd, usd)  # fmt: skip

    return FundingSection(
        [
            line("智谱AI", "大模型", ["中关村科学城", "美团"], "D轮", "30亿元", "200亿元", ["36氪", "投资界"],
                 D("414000000")),
            line("Skild AI", "Robotics", ["SoftBank"], "Series A", "$300M", "$1.5B", ["TechCrunch"], D("300000000")),
            line("Black & White Labs", None, [], "Seed", "$4.5M", "—", ["Crunchbase News"], D("4500000"),
                 status="planned"),
            line("深度求索", "大模型", [], "天使轮", "数千万元", "—", ["36氪"], None),
        ],
        fx_as_of="2026-06-01",
    )  # fmt: skip


def _market() -> MarketSection:
    days = [MONDAY + timedelta(days=i) for i in range(5)]
    csi300 = IndexWeek(
        "000300.SH", "沪深300", dict(zip(days, [D("0.12"), D("-0.36"), D("1.05"), D("-0.57"), D("0.30")], strict=True)),
        D("0.53"), (days[2], D("1.05")), (days[3], D("-0.57")),
    )  # fmt: skip
    star50 = IndexWeek(
        "000688.SH", "科创50", dict(zip(days, [D("-0.80"), D("0.44"), D("2.31"), None, D("-1.92")], strict=True)),
        D("-0.03"), (days[2], D("2.31")), (days[4], D("-1.92")),
    )  # fmt: skip
    as_of = _at(days[-1], 15)
    gainers = [
        MoverQuote("002230.SZ", "科大讯飞", D("41.20"), D("6.52"), "trading", as_of),
        MoverQuote("300418.SZ", "昆仑万维", D("33.15"), D("4.1"), "trading", as_of),
    ]
    losers = [MoverQuote("688256.SH", "寒武纪", D("230.50"), D("-3.87"), "trading", as_of)]
    return MarketSection(
        days=days,
        indices=[csi300, star50],
        largest_rise=MarketMove("000688.SH", "科创50", days[2], D("2.31")),
        largest_fall=MarketMove("000688.SH", "科创50", days[4], D("-1.92")),
        boards=[BoardMovers("BK0800", 3, 3, gainers, losers, as_of)],
        boards_missing=["BK1184"],
    )


def _watch() -> WatchSection:
    close = _at(MONDAY + timedelta(days=4), 15)
    return WatchSection(
        years=["2024", "2025"],
        lines=[
            WatchLine("002230.SZ", "科大讯飞", D("41.2"), close, False, D("6.52"), False,
                      {"2024": D("0.12"), "2025": D("0.45")}, {"2024": "343.33", "2025": "91.56"}, "买入"),
            WatchLine("688256.SH", "寒武纪", D("230.50"), close - timedelta(days=9), True, D("-3.87"), False,
                      {"2024": D("-0.5"), "2025": D("0")}, {"2024": "亏损", "2025": "n.m."}, "增持"),
            WatchLine("0700.HK", "腾讯控股", D("368.20"), close, False, None, True,
                      {"2024": D("20.1"), "2025": None}, {"2024": "18.32", "2025": "—"}, None),
        ],
    )  # fmt: skip


def _alerts() -> list[AlertLine]:
    return [
        AlertLine(datetime(2024, 7, 16, 1, 5, tzinfo=UTC), "h100-price-up", "threshold", "firing",
                  "H100-80G @ autodl 每卡时 21.00 CNY（+5.00%）"),
        AlertLine(datetime(2024, 7, 18, 7, 40, tzinfo=UTC), "source-failing", "health", "firing",
                  "kr36_funding: 14 failed runs in a row"),
        AlertLine(datetime(2024, 7, 19, 2, 0, tzinfo=UTC), "h100-price-up", "threshold", "resolved",
                  "H100-80G @ autodl"),
    ]  # fmt: skip


def _health() -> HealthSection:
    last = _at(MONDAY + timedelta(days=6), 20)

    def source(name: str, kind: str, ok: int, failed: int, state: str, *, error: str | None = None,
               success: datetime | None = last, enabled: bool = True) -> SourceWeek:  # fmt: skip
        return SourceWeek(name, kind, enabled, ok, failed, success, error, state)

    return HealthSection(
        sources=[
            source("aliyun_gpu", "gpu", 28, 0, "ok"),
            source("autodl_gpu", "gpu", 168, 2, "ok", error="HTTP 502 on https://www.autodl.com/api/v1/market"),
            source("tencent_gpu", "gpu", 0, 0, "stale", success=_at(MONDAY - timedelta(days=5), 10, 30)),
            source("kr36_funding", "funding", 0, 14, "failing", error="blocked: 403 Forbidden (anti-bot page)",
                   success=_at(MONDAY - timedelta(days=3), 6)),
            source("similarweb_api_traffic", "traffic", 1, 0, "ok"),
            source("eastmoney_klines", "quotes", 5, 0, "ok"),
            source("crunchbase_funding", "funding", 0, 0, "disabled", success=None, enabled=False),
        ],
        quarantined=3,
    )  # fmt: skip


def sample_report(lang: str = "zh", *, empty: bool = False) -> WeeklyReport:
    """The week of 2024-07-15 in Asia/Shanghai; `empty=True` gives every section an `empty=NoData(...)`."""
    gpu, traffic, funding, market, watch = _gpu(), _traffic(), _funding(), _market(), _watch()
    alerts = _alerts()
    if empty:
        failing = NoData("failing", "aliyun_gpu: HTTP 403; autodl_gpu: timeout")
        gpu = GpuSection([], [], "CNY", MONDAY - timedelta(days=49), [], None, empty=failing)
        unset = NoData("not_configured", "similarweb_api_traffic needs an API key")
        traffic = TrafficSection("week", None, None, None, [], stale=False, empty=unset)
        funding = FundingSection([], fx_as_of="2026-06-01", empty=NoData("nothing"))
        market = MarketSection([], [], None, None, [], [], empty=NoData("never_ran", "eastmoney_klines"))
        watch = WatchSection([], [], empty=NoData("disabled", "eastmoney_quotes, sina_quotes"))
        alerts = []
    notes = ["GPU trend converted at the [fx] rates of 2024-07-01"] if lang == "en" else [
        "算力走势按 2024-07-01 的 [fx] 汇率换算"
    ]  # fmt: skip
    return WeeklyReport(
        week=_week(),
        language=lang,
        generated_at=datetime(2024, 7, 22, 0, 0, 5, tzinfo=UTC),
        gpu=gpu,
        traffic=traffic,
        funding=funding,
        market=market,
        watch=watch,
        alerts=alerts,
        health=_health(),
        notes=notes,
    )
