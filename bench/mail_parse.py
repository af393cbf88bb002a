"""Mail parsing speed: messages/s of ``iter_mbox`` over a generated mbox (parse only: no
linking, no database). DESIGN §12 asks ≥ 1,000 messages/s for parse + link + store.

    python bench/mail_parse.py                  # 20,000 messages, median of 3 runs
    python bench/mail_parse.py --messages 100000 --runs 5

The mbox (bench/out/mail-parse-N.mbox, reused when present) mixes English and Chinese mail:
UTF-8, GB2312/GBK (some mislabeled), Big5, RFC 2047 subjects and names, text+HTML
alternatives, replies with References, and one message in ten with an attachment.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT_DIR, command_line

FORMAT_VERSION = 1
_FROM_LINE = re.compile(rb"^(>*From )", re.MULTILINE)

SUBJECTS_ZH = [
    "关于报价单的确认",
    "订单发货通知",
    "合同补充条款（第二版）",
    "展会邀请函",
    "付款提醒",
]
SUBJECTS_EN = ["Quotation request", "Order shipped", "Meeting next week", "Invoice attached"]
NAMES = ["王经理", "李娜", "张伟", "陈静", "Tom Baker", "Alice Wong"]
BODY_ZH = "您好，\n\n附件是本月的报价单，请查收。如有疑问请随时联系。\n\n此致\n敬礼\n"
BODY_GBK = "朱镕基先生您好，关于喆、堃两位客户的订单已经安排发货。\n"
BODY_BIG5 = "臺灣客戶您好，附件是報價單，請查收。\n"
BODY_EN = "Hello,\n\nPlease find our quotation below. Prices are valid for 30 days.\n\nBest,\n"


def build_message(i: int, rng: random.Random) -> bytes:
    kind = i % 6
    sender = rng.choice(NAMES)
    start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=i * 7)
    if kind == 0:
        msg: MIMEText | MIMEMultipart = MIMEText(BODY_EN * 3, "plain", "us-ascii")
        subject: str | Header = rng.choice(SUBJECTS_EN)
    elif kind == 1:
        msg = MIMEText(BODY_ZH * 2, "plain", "utf-8")
        subject = Header(rng.choice(SUBJECTS_ZH), "utf-8")
    elif kind == 2:  # GBK text under a GB2312 label, as many Chinese clients send it
        msg = MIMEText("", "plain")
        msg.set_payload((BODY_GBK * 3).encode("gbk"))
        msg.replace_header("Content-Type", 'text/plain; charset="gb2312"')
        msg["Content-Transfer-Encoding"] = "8bit"
        subject = Header(rng.choice(SUBJECTS_ZH), "gb2312")
    elif kind == 3:
        msg = MIMEText(BODY_BIG5 * 3, "plain", "big5")
        subject = Header("報價單", "big5")
    else:
        alternative = MIMEMultipart("alternative")
        alternative.attach(MIMEText(BODY_ZH, "plain", "utf-8"))
        html = "<html><body><p>" + BODY_ZH.replace("\n", "<br>") + "</p></body></html>"
        alternative.attach(MIMEText(html, "html", "utf-8"))
        msg = alternative
        subject = Header(rng.choice(SUBJECTS_ZH), "utf-8")
    if i % 10 == 9:
        mixed = MIMEMultipart("mixed")
        mixed.attach(msg)
        part = MIMEApplication(rng.randbytes(rng.randint(2_000, 20_000)), "pdf")
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "报价单.pdf"))
        mixed.attach(part)
        msg = mixed
    msg["Subject"] = subject
    msg["From"] = formataddr((str(Header(sender, "utf-8")), f"user{i % 500}@example{i % 37}.cn"))
    msg["To"] = f"buyer{i % 300}@customer{i % 101}.com"
    msg["Date"] = format_datetime(start.astimezone())
    msg["Message-ID"] = f"<bench-{i}@example.cn>"
    if i % 4 == 1 and i > 4:
        msg["In-Reply-To"] = f"<bench-{i - 4}@example.cn>"
        msg["References"] = f"<bench-{i - 8 if i > 8 else 0}@example.cn> <bench-{i - 4}@example.cn>"
    return msg.as_bytes()


def ensure_mbox(count: int) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"mail-parse-{count}-v{FORMAT_VERSION}.mbox"
    if path.exists():
        return path
    print(f"generating {count:,} messages into {path} …", file=sys.stderr)
    rng = random.Random(5)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as out:
        for i in range(count):
            data = build_message(i, rng).replace(b"\r\n", b"\n")
            out.write(b"From bench@example.cn Wed Jan  1 00:00:00 2025\n")
            out.write(_FROM_LINE.sub(rb">\1", data))
            out.write(b"\n\n")
    tmp.replace(path)
    return path


def run(path: Path) -> tuple[float, int, int]:
    from crm_desktop.mail.parse import ParsedMessage, iter_mbox

    parsed = errors = 0
    started = time.perf_counter()
    for _index, item in iter_mbox(path):
        if isinstance(item, ParsedMessage):
            parsed += 1
        else:
            errors += 1
    return time.perf_counter() - started, parsed, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    path = ensure_mbox(args.messages)
    rates = []
    for n in range(args.runs):
        elapsed, parsed, errors = run(path)
        rate = parsed / elapsed
        rates.append(rate)
        print(
            f"run {n + 1}: {parsed:,} parsed, {errors} errors, {elapsed:.2f} s = {rate:,.0f} msg/s"
        )
    size_mb = path.stat().st_size / 1e6
    median = statistics.median(rates)
    print(f"mbox: {path.name}, {size_mb:.1f} MB")
    print(
        f"parse (iter_mbox): median {median:,.0f} messages/s over {args.runs} runs (target ≥ 1,000)"
    )
    print(f"reproduce: {command_line()}")


if __name__ == "__main__":
    main()
