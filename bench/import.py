"""Customer import speed (DESIGN §12): a 100,000-row GBK CSV with 10 % duplicates (5 % names of
customers already in the database, 5 % rows repeated inside the file) into a database holding
1,000,000 customers, end to end as a user runs it: ``crm-desktop customers import FILE --json``
(decode, map, normalize, pinyin, duplicate check, insert, search index, commit).

SQLite: ``bench/out/demo-1000000.sqlite3`` (made with ``crm-desktop demo`` when missing) is
copied once with the SQLite backup API into a temporary file, never modified; each run imports
into the copy and is undone afterwards (``crm-desktop import undo``), so every run starts from
the same customers. ``--postgres``: the same against the throwaway PostgreSQL cluster of
``bench/concurrency.py`` (``/tmp/crm-bench-pg-CUSTOMERS``, kept between runs: loading 1M
customers takes a while) or ``--database URL``, an existing database (demo customers loaded
when empty).

Prints the medians of ``--runs`` runs (rows/s inside the command, wall time of the process,
peak RSS) and the command that reproduces them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import OUT_DIR, backup_copy, command_line, ensure_sqlite_database

_CITIES = [
    "上海",
    "北京",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "重庆",
    "天津",
    "青岛",
    "厦门",
    "宁波",
    "无锡",
    "长沙",
    "郑州",
    "合肥",
    "福州",
    "济南",
    "大连",
    "沈阳",
    "昆明",
    "南宁",
    "佛山",
    "东莞",
    "温州",
    "常州",
    "烟台",
]
_CORE_CHARS = (
    "华信恒达鑫源宏远金桥博瑞汇通中科天成腾飞海龙泰安康明新元正泰永兴盛世嘉禾锦程德润"
    "百川广益华美东方红星宇航凯旋长江伟业众诚立邦九州万向光明安盛富源昌隆"
)
_TRADES = [
    "科技",
    "贸易",
    "电子",
    "机械",
    "网络科技",
    "信息技术",
    "医疗器械",
    "新材料",
    "物流",
    "建筑工程",
    "精密制造",
    "环保科技",
    "生物科技",
    "电气",
    "化工",
    "食品",
    "服饰",
    "家居",
    "汽车配件",
    "文化传媒",
]
_SUFFIXES = ("有限公司",) * 5 + ("股份有限公司", "有限责任公司", "集团有限公司")
_GRADES = ("A", "B", "C", "D", "重点客户", "普通客户")
_REGIONS = ("上海", "北京", "广东", "浙江", "江苏", "四川", "湖北", "华东", "华南")
_TITLES = ("采购经理", "总经理", "技术总监", "财务主管", "销售总监", "工程师")
_DOMAINS = ("163.com", "qq.com", "126.com", "sina.com", "example.cn")


def make_csv(path: Path, rows: int, existing: list[str], seed: int = 8) -> None:
    """The import file: GBK, Excel-style header, ``rows`` data rows."""
    from faker import Faker

    rnd = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    people = [fake.name() for _ in range(5000)]
    seen: set[str] = set(existing)
    lines = ["客户名称,联系人,职务,手机,电话,邮箱,地址,等级,区域,行业,备注"]
    written: list[str] = []
    dup_db = rows // 20
    dup_file = rows // 20
    kinds = ["new"] * (rows - dup_db - dup_file) + ["db"] * dup_db + ["file"] * dup_file
    rnd.shuffle(kinds)
    for kind in kinds:
        if kind == "file" and written:
            lines.append(rnd.choice(written))
            continue
        if kind == "db" and existing:
            name = rnd.choice(existing)
        else:
            while True:
                core = "".join(rnd.choice(_CORE_CHARS) for _ in range(rnd.choice((2, 2, 3))))
                name = f"{rnd.choice(_CITIES)}{core}{rnd.choice(_TRADES)}{rnd.choice(_SUFFIXES)}"
                if name not in seen:
                    seen.add(name)
                    break
        person = rnd.choice(people)
        mobile = f"1{rnd.choice('35789')}{rnd.randrange(10**9):09d}"
        phone = (
            f"0{rnd.choice(('21', '10', '20', '755', '571', '25'))}-{rnd.randrange(10**7, 10**8)}"
            if rnd.random() < 0.5
            else ""
        )
        email = f"{fake.user_name()}{rnd.randrange(1000)}@{rnd.choice(_DOMAINS)}"
        address = f"{name[:2]}市{fake.street_name()}{rnd.randrange(1, 999)}号"
        line = ",".join(
            (
                name,
                person,
                rnd.choice(_TITLES),
                mobile,
                phone,
                email,
                address,
                rnd.choice(_GRADES),
                rnd.choice(_REGIONS),
                rnd.choice(_TRADES),
                "展会获取" if rnd.random() < 0.2 else "",
            )
        )
        lines.append(line)
        written.append(line)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))


def run_cli(*args: str) -> tuple[dict[str, object], float, int]:
    """(JSON output, wall seconds, peak RSS in KiB) of one crm-desktop process."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crm_desktop.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"crm-desktop {' '.join(args)} failed:\n{err}")
    # The child's own peak RSS (RUSAGE_CHILDREN would give the largest of all children).
    rss = _child_rss_kib
    return json.loads(out), wall, rss


_child_rss_kib = 0


def _install_wait_hook() -> None:
    """Record each child's peak RSS: Popen.wait through os.wait4."""
    original = subprocess.Popen._try_wait  # type: ignore[attr-defined]

    def try_wait(self: subprocess.Popen[str], wait_flags: int) -> tuple[int, int]:
        global _child_rss_kib  # noqa: PLW0603 - a bench script's one result slot
        pid, status, usage = os.wait4(self.pid, wait_flags)
        if pid:
            _child_rss_kib = usage.ru_maxrss
        return pid, status

    subprocess.Popen._try_wait = try_wait  # type: ignore[attr-defined]
    del original


def existing_names(url: str, n: int) -> list[str]:
    from sqlalchemy import select

    from crm_desktop.db.models import Customer
    from crm_desktop.services.database import open_database

    db = open_database(url)
    try:
        with db.read_session_factory() as s:
            top = int(s.scalar(select(Customer.id).order_by(Customer.id.desc()).limit(1)) or 0)
            ids = random.Random(3).sample(range(1, top + 1), min(n * 2, top))
            names: list[str] = []
            for start in range(0, len(ids), 500):
                names.extend(
                    s.scalars(
                        select(Customer.name).where(Customer.id.in_(ids[start : start + 500]))
                    )
                )
    finally:
        db.dispose()
    return [name for name in names if _gbk(name)][:n]


def _gbk(text: str) -> bool:
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--on-duplicate", default="skip")
    parser.add_argument(
        "--postgres", action="store_true", help="a throwaway PostgreSQL cluster (Shared server)"
    )
    parser.add_argument("--database", metavar="URL", help="an existing PostgreSQL database")
    args = parser.parse_args()
    _install_wait_hook()
    work = Path(tempfile.mkdtemp(prefix="crm-bench-import-"))
    cluster = None
    try:
        if args.database:
            url = args.database
            from common import ensure_postgresql

            ensure_postgresql(url, args.customers)
        elif args.postgres:
            # The throwaway cluster of bench/concurrency.py (kept between runs in
            # /tmp/crm-bench-pg-CUSTOMERS: loading 1M customers takes a while).
            from common import ensure_postgresql
            from concurrency import PLAIN_DB, start_cluster

            base = Path(tempfile.gettempdir()) / f"crm-bench-pg-{args.customers}"
            cluster = start_cluster(base, clients=4)
            if not cluster.has_database(PLAIN_DB):
                cluster.execute(f"CREATE DATABASE {PLAIN_DB} ENCODING 'UTF8' TEMPLATE template0")
            url = cluster.url(PLAIN_DB)
            ensure_postgresql(url, args.customers)
        else:
            original = ensure_sqlite_database(args.customers)
            target = work / "bench.sqlite3"
            started = time.perf_counter()
            backup_copy(original, target)
            print(
                f"backup copy of {original.name}: {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
            url = "sqlite:///" + target.as_posix()
            from crm_desktop.services.database import upgrade_database

            upgrade_database(url)
        csv_path = OUT_DIR / f"import-{args.rows}-{args.customers}.csv"
        if not csv_path.exists():
            make_csv(csv_path, args.rows, existing_names(url, args.rows // 20))
        rates, walls, rsss = [], [], []
        for run in range(args.runs):
            result, wall, rss = run_cli(
                "customers",
                "import",
                str(csv_path),
                "--database",
                url,
                "--json",
                "--on-duplicate",
                args.on_duplicate,
            )
            elapsed = int(result["elapsed_ms"]) / 1000  # type: ignore[call-overload]
            rate = int(result["rows"]) / elapsed  # type: ignore[call-overload]
            rates.append(rate)
            walls.append(wall)
            rsss.append(rss)
            print(
                f"run {run + 1}: {result['rows']:,} rows, {result['created']:,} created, "
                f"{result['skipped']:,} skipped in {elapsed:.2f} s = {rate:,.0f} rows/s "
                f"(process {wall:.2f} s, peak RSS {rss / 1024:.0f} MiB)",
                file=sys.stderr,
            )
            run_cli("import", "undo", str(result["batch_id"]), "--database", url, "--json")
        kind = "PostgreSQL" if args.postgres or args.database else "SQLite"
        print(
            f"customer import, {args.rows:,} GBK rows (10 % duplicates) into "
            f"{args.customers:,} customers, {kind}: "
            f"median {statistics.median(rates):,.0f} rows/s, process "
            f"{statistics.median(walls):.2f} s, peak RSS {statistics.median(rsss) / 1024:.0f} MiB"
        )
        print(f"reproduce: {command_line()}")
    finally:
        if cluster is not None:
            from concurrency import stop_cluster

            stop_cluster(cluster)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
