#!/usr/bin/env python
"""Every figure of issues 12, 14 and 17 in one table (run it through `scripts/bench`).

    DATABASE_URL=postgres://… .venv/bin/python scripts/benchmark.py [--runs N] [--only WORDS]

1. Seeds, once, 100,000 tickets with 4 messages each (400,000 messages) in 400 organisations
   (one, "Bench Corp", with 5,000), mixed states and priorities, one ticket in ten in Chinese,
   SLA outcomes for the reports; loaded with COPY in one transaction and kept for reruns.
2. Measures each page in-process with Django's test client, as ../shared/peer-bench's
   benchcore.py does (warm-ups, then up to --runs requests, at most --max-seconds each page):
   the queries of one request, the median wall time and the median CPU time of this process
   (what the page costs however loaded the machine is).
3. The peer (django-helpdesk, ../shared/peer-bench, $PEER_DIR default /tmp/peer-bench): when
   it is set up, its matching pages are measured by its own bench2.py, alternately with ours.
4. The status page against a static file (scripts/bench_status.sh, gunicorn + wrk), the
   knowledge-base search (scripts/bench_kb.py, 10,000 articles, kept) and, when present,
   scripts/bench_write.py's measure() (ticket submission, SLA sweep).
"""

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
for name, value in {
    "DEBUG": "0",
    "SECRET_KEY": "benchmark-only",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_HSTS_SECONDS": "0",
    "STAFF_MFA_REQUIRED": "0",
    "LOG_LEVEL": "WARNING",
    "VAR_DIR": "/tmp/portal-bench-var",
}.items():
    os.environ.setdefault(name, value)

TICKETS = 100_000
ORGANIZATIONS = 400
BIG_ORGANIZATION_TICKETS = 5_000
MESSAGES_PER_TICKET = 4
STATES = ["closed"] * 11 + ["solved"] * 5 + ["open"] * 2 + ["pending", "new"]  # 20 % active
# Words are spread as in a real helpdesk: each topic is in 1–2 % of the tickets, so a search
# for a word finds a realistic share of them (not most of the table).
ENGLISH_TOPICS = [
    "certificate",
    "mailbox",
    "nameserver",
    "wordpress",
    "invoice",
    "backup",
    "quota",
    "cron",
    "sftp",
    "firewall",
    "redirect",
    "plugin",
    "database",
    "cache",
    "memory",
    "cpu",
    "ssh",
    "password",
    "login",
    "domain",
    "transfer",
    "renewal",
    "subdomain",
    "webmail",
    "spam",
    "dkim",
    "dmarc",
    "spf",
    "bounce",
    "forwarder",
    "ftp",
    "php",
    "python",
    "nodejs",
    "docker",
    "kubernetes",
    "loadbalancer",
    "cdn",
    "ddos",
    "malware",
    "ransomware",
    "phishing",
    "refund",
    "payment",
    "upgrade",
    "downgrade",
    "migration",
    "snapshot",
    "restore",
    "inode",
    "bandwidth",
    "latency",
    "timeout",
    "outage",
    "ipv6",
    "reverse-dns",
    "smtp",
    "imap",
    "pop3",
    "calendar",
]
CHINESE_TOPICS = [
    "密码",
    "备份",
    "证书",
    "域名",
    "邮件",
    "数据库",
    "网站",
    "服务器",
    "插件",
    "缓存",
    "内存",
    "账单",
    "发票",
    "续费",
    "退款",
    "迁移",
    "防火墙",
    "带宽",
    "流量",
    "攻击",
    "病毒",
    "解析",
    "备案",
    "空间",
    "速度",
    "端口",
    "登录",
    "账号",
    "升级",
    "降级",
]
ENGLISH_SUBJECTS = [
    "Problem with the {topic} on {host}",
    "{topic} stopped working after the update",
    "Question about {topic} limits",
    "Urgent: {topic} error on {host}",
    "How do I change the {topic} settings?",
    "{topic} is very slow since yesterday",
]
CHINESE_SUBJECTS = [
    "{topic}出现问题",
    "无法使用{topic}",
    "关于{topic}的咨询",
    "{topic}错误，请尽快处理",
]
ENGLISH_BODIES = [
    "Since this morning {host} answers slowly and the {topic} log shows timeouts.",
    "We tried restarting the {topic} service, but the error code E{code} comes back.",
    "Thanks, we are looking into the {topic} and will update you within the hour.",
    "Could you send the exact time of the last {topic} failure and the affected domain?",
    "The {topic} job on {host} reports an error at 02:00 every night.",
    "After changing the {topic} the control panel still shows the old value.",
]
CHINESE_BODIES = [
    "从今天早上开始{topic}很慢，错误日志显示超时。",
    "我们已经重启了{topic}，但是错误代码 E{code} 还在出现。",
    "谢谢，我们正在处理{topic}的问题，一小时内给您答复。",
    "请提供{topic}最后一次失败的时间和受影响的主机 {host}。",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--max-seconds", type=float, default=8.0)
    parser.add_argument("--only", default="", help="measure only rows whose name has a word")
    parser.add_argument("--no-status", action="store_true", help="skip the wrk status runs")
    parser.add_argument("--no-kb", action="store_true", help="skip the KB search benchmark")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    parser.add_argument("--tickets", type=int, default=TICKETS, help="only to try the seeding")
    args = parser.parse_args()
    globals()["TICKETS"] = args.tickets

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if not settings.USING_POSTGRES:
        sys.exit("Set DATABASE_URL to a PostgreSQL database (scripts/bench does).")
    # Pages are measured as served in production: static URLs from collectstatic's manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    began = time.monotonic()
    call_command("migrate", verbosity=0)
    bench = Bench(args)
    bench.seed()
    bench.measure_pages()
    if not args.no_kb and bench.wanted("kb search"):
        bench.kb_search()
    if not args.no_status and bench.wanted("status"):
        bench.status()
    bench.print_table()
    print(f"Whole run: {time.monotonic() - began:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(bench.rows, indent=2, ensure_ascii=False))


class Bench:
    def __init__(self, args):
        self.args = args
        self.rows = []
        self.peer = None if args.no_peer else Peer.find()

    def wanted(self, label):
        words = [word for word in self.args.only.split(",") if word]
        return not words or any(word.lower() in label.lower() for word in words)

    # -- seeding ---------------------------------------------------------------------------

    def seed(self):
        from accounts.models import Organization
        from support.tickets.models import Ticket

        big = Organization.objects.filter(name="Bench Corp").first()
        if big and Ticket.objects.filter(organization__name__startswith="Bench ").count() >= (
            TICKETS
        ):
            print(f"Reusing the seeded {Ticket.objects.count():,} tickets.")
        else:
            started = time.monotonic()
            seed_everything()
            print(f"Seeded {TICKETS:,} tickets in {time.monotonic() - started:.0f} s.")
        self.people = bench_people()
        self.worked = worked_ticket(self.people)

    # -- measuring -------------------------------------------------------------------------

    def measure(self, client, url, method="GET", data=None, expect=200):
        """benchcore.py's in-process method, with this process's CPU time beside."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def request():
            return client.post(url, data) if method == "POST" else client.get(url)

        started = time.perf_counter()
        response = request()
        for _ in range(2 if time.perf_counter() - started < 0.2 else 0):
            response = request()
        times, cpu, counts = [], [], []
        started = time.perf_counter()
        for run in range(self.args.runs):
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as captured:
                wall, processor = time.perf_counter(), time.process_time()
                response = request()
                times.append((time.perf_counter() - wall) * 1000)
                cpu.append((time.process_time() - processor) * 1000)
            counts.append(len(captured.captured_queries))
            if run >= 4 and time.perf_counter() - started > self.args.max_seconds:
                break
        if response.status_code != expect:
            sys.exit(f"{url} answered {response.status_code}")
        return {
            "queries": counts[-1],
            "queries_max": max(counts),
            "ms": round(statistics.median(times), 1),
            "cpu_ms": round(statistics.median(cpu), 1),
            "n": len(times),
        }

    def add(self, issue, label, figures, target="", peer=None):
        row = {"issue": issue, "page": label, "target": target, **figures}
        if peer:
            row["peer_queries"], row["peer_ms"] = peer.get("queries"), peer.get("ms")
        self.rows.append(row)
        peer_text = f"  peer {peer['queries']} q / {peer['ms']} ms" if peer else ""
        print(
            f"  {label:<42} {figures.get('queries', ''):>4} q {figures.get('ms', ''):>8} ms "
            f"{figures.get('cpu_ms', ''):>8} ms cpu{peer_text}",
            flush=True,
        )

    def measure_pages(self):
        from django.test import Client
        from django.utils import timezone

        from support.tickets import queues

        people = self.people
        customer, agent, engineer = Client(), Client(), Client()
        customer.force_login(people["owner"])
        agent.force_login(people["agent"])
        engineer.force_login(people["engineer"])
        worked = self.worked
        admin_list = "/admin/tickets/ticket/"
        someone = people["someone"]
        pages = [
            # issue, label, client, url, target, peer page
            ("17", "ticket form (GET)", customer, "/tickets/new/", "≤ 8 ms", "submit_get"),
            ("17", "customer ticket list", customer, "/tickets/", "", "cust_user_tickets"),
            (
                "17",
                "customer ticket page, 10 messages",
                customer,
                worked.get_absolute_url(),
                "≤ 25 ms",
                None,
            ),
            (
                "17 12",
                "back-office ticket page, 10 messages",
                agent,
                f"{admin_list}{worked.pk}/change/",
                "≤ 25 ms (12: ≤ 40 ms, ≤ 20 q)",
                "ticket_view",
            ),
            (
                "17 12",
                "back-office list, default view",
                agent,
                admin_list,
                "≤ 50 ms, ≤ 12 q",
                "ticket_list_json",
            ),
            ("12", "back-office dashboard", agent, "/admin/", "≤ 50 ms, ≤ 12 q", "dashboard"),
            *[
                (
                    "12",
                    f"queue: {view.label}",
                    agent,
                    f"{admin_list}?view={view.slug}",
                    "≤ 50 ms, ≤ 12 q",
                    None,
                )
                for view in queues.VIEWS
            ],
            (
                "17 12",
                "search: reference",
                agent,
                f"{admin_list}?q={worked.reference}",
                "≤ 50 ms",
                None,
            ),
            (
                "17",
                "search: reference beginning",
                agent,
                f"{admin_list}?q={worked.reference[:5]}",
                "≤ 50 ms",
                None,
            ),
            (
                "17",
                "search: subject word (certificate)",
                agent,
                f"{admin_list}?q=certificate",
                "≤ 50 ms",
                None,
            ),
            (
                "17",
                "search: email address",
                agent,
                f"{admin_list}?q={someone.email}",
                "≤ 50 ms",
                None,
            ),
            (
                "17",
                "search: message phrase",
                agent,
                f"{admin_list}?q=%22error+code+E1234%22",
                "≤ 50 ms",
                None,
            ),
            ("17", "search: Chinese word (密码)", agent, f"{admin_list}?q=密码", "≤ 50 ms", None),
            (
                "17",
                "search: Chinese words (错误 日志)",
                agent,
                f"{admin_list}?q=错误+日志",
                "≤ 50 ms",
                None,
            ),
            # The peer's figure is a visitor's (bench2.py: user=None), so is the target's.
            ("17", "knowledge-base index, visitor", Client(), "/kb/", "≤ 3 ms", "kb_index"),
            ("17", "knowledge-base index, signed-in customer", customer, "/kb/", "", None),
        ]
        today = timezone.localdate()
        month = f"month={today:%Y-%m}"
        year = f"start={today - timedelta(days=364):%Y-%m-%d}&end={today:%Y-%m-%d}"
        for slug in ("sla", "volume", "problems", "agents"):
            pages.append(
                (
                    "14",
                    f"report {slug}, month",
                    engineer,
                    f"/admin/reports/{slug}/?{month}",
                    "≤ 300 ms",
                    None,
                )
            )
            pages.append(
                (
                    "14",
                    f"report {slug}, 12 months",
                    engineer,
                    f"/admin/reports/{slug}/?{year}",
                    "≤ 1 s",
                    None,
                )
            )
        pages.append(
            (
                "14",
                "report credits, month",
                engineer,
                f"/admin/reports/credits/?{month}",
                "≤ 300 ms",
                None,
            )
        )
        pages.append(
            ("14", "customer report, month", customer, f"/reports/{today:%Y-%m}/", "≤ 100 ms", None)
        )
        from django.db import connection

        print(
            f"In-process, median of up to {self.args.runs} runs; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs. Columns: queries, wall, CPU."
        )
        for issue, label, client, url, target, peer_page in pages:
            if not self.wanted(label):
                continue
            ours = self.measure(client, url)
            peer = self.peer.measure(peer_page, self.args) if self.peer and peer_page else None
            self.add(issue, label, ours, target, peer)
        connection.close()
        self.write_figures()

    def write_figures(self):
        """perf-write's figures (ticket submission, SLA sweep), when its script is here."""
        path = ROOT / "scripts" / "bench_write.py"
        if not path.exists() or not self.wanted("submit sweep write"):
            return
        import importlib.util

        spec = importlib.util.spec_from_file_location("bench_write", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print("Ticket writes (scripts/bench_write.py measure()):", flush=True)
        sweeps = self.wanted("sweep")  # `--only submit` leaves the shared tickets alone
        rows = module.measure(
            runs=self.args.runs, minute=179 if sweeps else 0, backlog=7573 if sweeps else 0
        )
        for row in rows:
            label, target = row["page"], row["target"]
            if label == "ticket form (GET)":  # measured above, beside the peer's
                continue
            if "backlog" in label:
                target = (
                    f"{target} (slowest {row.get('slowest_batch_wall_ms')} ms, "
                    f"{row.get('batches')} batches)"
                )
            peer = None
            if label.startswith("submit") and self.peer:
                peer = self.peer.measure("submit_post", self.args)
            figures = {key: row[key] for key in ("queries", "ms", "cpu_ms")}
            self.add("17", label, figures, target, peer)

    def kb_search(self):
        print("Knowledge-base search (scripts/bench_kb.py --keep, 10,000 articles):", flush=True)
        output = run([sys.executable, "scripts/bench_kb.py", "--keep", "--repeat", "7"])
        for line in output.splitlines():
            found = re.match(r"\s+'(.+?)'\s+(\d+) results\s+median\s+([\d.]+) ms", line)
            if found:
                query, _count, ms = found.groups()
                self.add("17", f"KB search {query}", {"ms": float(ms)}, "≤ 30 ms")

    def status(self):
        print("Status page (scripts/bench_status.sh: gunicorn + wrk, one run):", flush=True)
        output = run(["scripts/bench_status.sh"])
        rates = dict(re.findall(r"^(\S+)\s+([\d.]+) req/s", output, re.M))
        static = next((float(v) for k, v in rates.items() if k.startswith("/static/")), None)
        for path, target in (("/status/", "≥ 0.9"), ("/status/api/v2/summary.json", "≥ 1.0")):
            if path in rates and static:
                figures = {
                    "req_s": float(rates[path]),
                    "ratio": round(float(rates[path]) / static, 2),
                }
                self.add(
                    "17", f"{path} req/s (static file {static:.0f})", figures, f"{target} of static"
                )

    def print_table(self):
        peer = any("peer_ms" in row for row in self.rows)
        print()
        print(
            "| issue | page | queries | median ms | CPU ms | target |"
            + (" peer queries | peer ms |" if peer else "")
        )
        print("|---|---|---|---|---|---|" + ("---|---|" if peer else ""))
        for row in self.rows:
            if "ratio" in row:
                figure = f"{row['req_s']:.0f} req/s = {row['ratio']:.2f}"
                cells = [row["issue"], row["page"], "0", figure, "", row["target"]]
            else:
                cells = [
                    row["issue"],
                    row["page"],
                    str(row.get("queries", "")),
                    str(row.get("ms", "")),
                    str(row.get("cpu_ms", "")),
                    row["target"],
                ]
            if peer:
                cells += [str(row.get("peer_queries", "")), str(row.get("peer_ms", ""))]
            print("| " + " | ".join(cells) + " |")


def run(command):
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode:
        print(result.stdout[-2000:], result.stderr[-2000:], file=sys.stderr)
        return ""
    return result.stdout


class Peer:
    """django-helpdesk as ../shared/peer-bench sets it up; its pages measured by its bench2.py."""

    def __init__(self, directory, database):
        self.directory = directory
        self.database = database

    @classmethod
    def find(cls):
        directory = Path(os.environ.get("PEER_DIR", "/tmp/peer-bench"))
        python = directory / "venv" / "bin" / "python"
        if not (python.exists() and (directory / "project" / "bench2.py").exists()):
            print(f"No peer at {directory} (../shared/peer-bench/README.md sets it up).")
            return None
        peer = cls(directory, os.environ.get("PEER_DB", "hd100000"))
        pg = shutil.which("pg_ctl") or max(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        data = directory / "pgdata"
        status = subprocess.run(
            ["runuser", "-u", "postgres", "--", str(pg), "-D", str(data), "status"],
            capture_output=True,
            check=False,
        )
        if status.returncode:
            subprocess.run(
                [
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    str(pg),
                    "-D",
                    str(data),
                    "-l",
                    str(directory / "pgrun" / "pg.log"),
                    "-w",
                    "start",
                ],
                check=False,
            )
        print(f"Peer: django-helpdesk at {directory}, database {peer.database}.")
        return peer

    def measure(self, page, args):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [
                str(self.directory / "venv" / "bin" / "python"),
                "bench2.py",
                "--only",
                page,
                "--no-http",
                "--no-wrk",
                "--runs",
                str(args.runs),
                "--max-seconds",
                str(args.max_seconds),
                "--out",
                out.name,
            ]
            env = {
                **os.environ,
                "PEER_DB": self.database,
                "PEER_DIR": str(self.directory),
                "PYTHONWARNINGS": "ignore",
            }
            for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DEBUG", "SECRET_KEY"):
                env.pop(name, None)
            result = subprocess.run(
                command,
                cwd=self.directory / "project",
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                print(f"    peer {page} failed: {result.stderr.strip()[-300:]}")
                return None
            figures = json.loads(Path(out.name).read_text())["pages"][page]
        return {"queries": figures["queries"], "ms": figures["inproc_median_ms"]}


# -- the data ----------------------------------------------------------------------------------


def bench_people():
    from accounts.models import User

    return {
        "owner": User.objects.get(email="bench-owner@example.com"),
        "agent": User.objects.get(email="bench-agent@example.com"),
        "engineer": User.objects.get(email="bench-engineer@example.com"),
        "someone": User.objects.get(email="bench-owner-017@example.com"),
    }


def seed_everything():
    """People, organisations and tickets with their messages, in one transaction."""
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Membership, Organization, User
    from accounts.staff_groups import AGENTS, ENGINEERS
    from support.tickets.models import Category, Message, Priority, Team, Ticket, new_reference

    rng = random.Random(17)
    now = timezone.now()
    with transaction.atomic():
        staff = []
        for email, group in [
            ("bench-agent@example.com", AGENTS),
            ("bench-engineer@example.com", ENGINEERS),
            *[(f"bench-agent-{n:02}@example.com", AGENTS) for n in range(8)],
        ]:
            user, _created = User.objects.get_or_create(
                email=email, defaults={"is_staff": True, "full_name": email.split("@")[0]}
            )
            user.groups.add(Group.objects.get(name=group))
            staff.append(user)
        tiers = [
            Organization.Tier.STANDARD,
            Organization.Tier.BUSINESS,
            Organization.Tier.ENTERPRISE,
        ]
        owners = User.objects.bulk_create(
            [User(email="bench-owner@example.com", full_name="Bench Owner")]
            + [
                User(email=f"bench-owner-{n:03}@example.com", full_name=f"Owner {n}")
                for n in range(1, ORGANIZATIONS)
            ]
        )
        organizations = Organization.objects.bulk_create(
            [Organization(name="Bench Corp", tier=Organization.Tier.BUSINESS)]
            + [
                Organization(name=f"Bench Org {n:03}", tier=tiers[n % 3])
                for n in range(1, ORGANIZATIONS)
            ]
        )
        Membership.objects.bulk_create(
            Membership(user=owner, organization=organization, role="owner")
            for owner, organization in zip(owners, organizations, strict=True)
        )
        categories = list(Category.objects.all())
        teams = list(Team.objects.all())
        priorities = list(Priority.values)
        taken = set(Ticket.objects.values_list("reference", flat=True))
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM tickets_ticket")
            next_ticket = cursor.fetchone()[0] + 1
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM tickets_message")
            next_message = cursor.fetchone()[0] + 1
        tickets, messages = [], []
        big_every = TICKETS // BIG_ORGANIZATION_TICKETS
        for number in range(TICKETS):
            index = 0 if number % big_every == 0 else 1 + number % (ORGANIZATIONS - 1)
            organization, requester = organizations[index], owners[index]
            reference = new_reference()
            while reference in taken:
                reference = new_reference()
            taken.add(reference)
            chinese = number % 10 == 3
            host = f"web{number % 50:02}.example.net"
            topics = CHINESE_TOPICS if chinese else ENGLISH_TOPICS
            topic = rng.choice(topics)
            subjects = CHINESE_SUBJECTS if chinese else ENGLISH_SUBJECTS
            subject = rng.choice(subjects).format(topic=topic, host=host)
            status = STATES[number % len(STATES)]
            opened = now - timedelta(minutes=number * 5 + 3)
            due = opened + timedelta(hours=4)
            responded = opened + timedelta(minutes=number % 240)
            solved = status in ("solved", "closed")
            ticket = Ticket(
                id=next_ticket + number,
                reference=reference,
                organization=organization,
                requester=requester,
                created_by=requester,
                subject=subject[:200],
                description="",
                category=categories[number % len(categories)],
                team=teams[number % len(teams)],
                priority=priorities[number % len(priorities)],
                status=status,
                assignee=staff[number % 12] if number % 12 < len(staff) else None,
                created_at=opened,
                last_activity_at=opened + timedelta(minutes=30),
                first_response_due_at=due,
                first_response_warn_at=due - timedelta(hours=1),
                first_response_at=responded,
                first_response_business_minutes=(number % 240) * 0.6,
                first_response_outcome="breached" if number % 10 in (0, 5) else "met",
                resolved_at=opened + timedelta(minutes=number % 2880) if solved else None,
                solved_at=opened + timedelta(minutes=number % 2880) if solved else None,
                resolution_business_minutes=(number % 2880) * 0.3 if solved else None,
                resolution_outcome="met" if solved else "",
                next_due_at=None if solved or status == "pending" else due,
            )
            bodies = CHINESE_BODIES if chinese else ENGLISH_BODIES
            texts = [
                bodies[(number + n) % len(bodies)].format(
                    host=host, code=number % 9973, topic=topic if n < 2 else rng.choice(topics)
                )
                for n in range(MESSAGES_PER_TICKET)
            ]
            ticket.description = texts[0]
            tickets.append(ticket)
            for n, text in enumerate(texts):
                messages.append(
                    Message(
                        id=next_message + len(messages),
                        ticket_id=ticket.id,
                        author=requester if n % 2 == 0 else staff[number % len(staff)],
                        body=text,
                        internal=n == 3 and number % 4 == 0,
                        created_at=opened + timedelta(minutes=n * 10),
                    )
                )
        copy_rows(Ticket, tickets, lambda ticket: f"{ticket.reference}\n{ticket.subject}")
        copy_rows(Message, messages, lambda message: message.body)
        with connection.cursor() as cursor:
            for table in ("tickets_ticket", "tickets_message"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
                )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        cursor.execute("VACUUM ANALYZE tickets_message")
        cursor.execute("ANALYZE")


def copy_rows(model, objects, text):
    """COPY the objects' rows into a table without indexes, then INSERT them with their
    search vectors (what `vector_of` writes: English words and Chinese character pairs)."""
    from django.db import connection

    from support.kb.search import character_pairs

    fields = [field for field in model._meta.concrete_fields if field.name != "search_vector"]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE staging AS SELECT {columns} FROM {table} LIMIT 0")
        cursor.execute("ALTER TABLE staging ADD COLUMN search_text text, ADD COLUMN pairs text")
        with cursor.cursor.copy("COPY staging FROM STDIN") as copy:
            for obj in objects:
                value = text(obj)
                row = [
                    field.get_db_prep_save(field.pre_save(obj, True), connection)
                    for field in fields
                ]
                copy.write_row([*row, value, character_pairs(value)])
        cursor.execute(
            f"INSERT INTO {table} ({columns}, search_vector) SELECT {columns}, "
            "to_tsvector('simple', pairs) || to_tsvector('english', search_text) FROM staging"
        )
        cursor.execute("DROP TABLE staging")


def worked_ticket(people):
    """A ticket of Bench Corp's with 10 messages and 2 attachments, written by the services."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from support.tickets import services
    from support.tickets.models import Ticket

    subject = "Benchmark: shop checkout fails after the PHP upgrade"
    existing = Ticket.objects.filter(subject=subject).first()
    if existing:
        return existing
    owner, agent = people["owner"], people["agent"]
    ticket = services.open_ticket(
        organization=owner.memberships.get().organization,
        requester=owner,
        subject=subject,
        description="Since the upgrade to PHP 8.3 the checkout shows a blank page.",
    )
    for number in range(9):
        author = agent if number % 2 == 0 else owner
        files = (
            [
                SimpleUploadedFile(
                    f"log-{number}.txt", b"error log line\n" * 40, content_type="text/plain"
                )
            ]
            if number < 2
            else []
        )
        services.add_reply(
            ticket, author=author, body=f"Message {number}: details and logs.", attachments=files
        )
    return ticket


if __name__ == "__main__":
    main()
