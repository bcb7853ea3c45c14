"""Teams, categories, a business-hours calendar, the default SLA policies and staff permissions."""

import math

from django.db import migrations

from accounts.staff_groups import AGENTS, ENGINEERS, grant

CATEGORIES = [
    # slug, English, Simplified Chinese, routed to tier
    ("website-down", "Website or server down", "网站或服务器宕机", 1),
    ("slow-performance", "Slow performance", "性能缓慢", 1),
    ("email", "Email", "电子邮件", 1),
    ("domain-dns", "Domain and DNS", "域名和 DNS", 1),
    ("ssl-certificate", "SSL certificate", "SSL 证书", 1),
    ("backups-restore", "Backups and restore", "备份和恢复", 1),
    ("billing", "Billing", "账单", 1),
    ("security-abuse", "Security or abuse", "安全或滥用", 2),
    ("question", "Question or advice", "问题或建议", 1),
]

HOUR = 60
# priority: (first response, resolution, business hours?)
DEFAULTS = {
    "P0": (15, 4 * HOUR, False),
    "P1": (1 * HOUR, 24 * HOUR, False),
    "P2": (4 * HOUR, 5 * 8 * HOUR, True),  # 5 business days of 8 hours
    "P3": (24 * HOUR, None, True),
}
TIERS = ["standard", "business", "enterprise"]

TICKET_WORK = [
    "tickets.view_ticket",
    "tickets.add_ticket",
    "tickets.change_ticket",
    "tickets.view_message",
    "tickets.add_message",
    "tickets.view_attachment",
    "tickets.view_timelineevent",
    "tickets.view_macro",
    "tickets.view_category",
    "tickets.view_team",
    "tickets.view_slapolicy",
]
ENGINEER_EXTRA = [
    "tickets.add_macro",
    "tickets.change_macro",
    "tickets.change_category",
    "tickets.add_category",
]


def seed(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Team = apps.get_model("tickets", "Team")
    Category = apps.get_model("tickets", "Category")
    BusinessCalendar = apps.get_model("tickets", "BusinessCalendar")
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")

    agents, _ = Group.objects.get_or_create(name=AGENTS)
    engineers, _ = Group.objects.get_or_create(name=ENGINEERS)
    tier1, _ = Team.objects.get_or_create(name="Tier 1", defaults={"tier": 1, "group": agents})
    tier2, _ = Team.objects.get_or_create(name="Tier 2", defaults={"tier": 2, "group": engineers})
    for position, (slug, name, name_zh, tier) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "name_zh_hans": name_zh,
                "position": position,
                "team": tier1 if tier == 1 else tier2,
            },
        )
    office, _ = BusinessCalendar.objects.get_or_create(
        name="Office hours (Mon–Fri 09:00–17:00 UTC)", defaults={"time_zone": "UTC"}
    )
    for tier in TIERS:
        for priority, (response, resolution, business) in DEFAULTS.items():
            if tier == "enterprise":
                response = math.ceil(response / 2)  # whole minutes: 15 -> 8
                business = business and priority != "P2"
                if priority == "P2":
                    resolution = 5 * 24 * HOUR
            SlaPolicy.objects.get_or_create(
                tier=tier,
                priority=priority,
                defaults={
                    "first_response_minutes": response,
                    "resolution_minutes": resolution,
                    "calendar": office if business else None,
                },
            )
    grant(apps, AGENTS, TICKET_WORK)
    grant(apps, ENGINEERS, TICKET_WORK + ENGINEER_EXTRA)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
        ("accounts", "0002_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
