"""Demo status page: 12 components in 4 groups, 90 days of history, an open incident, a
private one (only Acme's VPS), an upcoming maintenance window and a few subscribers, all in
English and Chinese. Idempotent; sends no email."""

import datetime

from django.utils import timezone

from accounts.models import Service

from .models import (
    Component,
    ComponentGroup,
    Incident,
    IncidentTemplate,
    IncidentUpdate,
    IncidentUpdateComponent,
    Subscriber,
)

GROUPS = [
    ("Frankfurt — shared hosting", "法兰克福 — 共享主机", [
        ("fra1-web", "Web servers", "Web 服务器",
         "Shared and managed web hosting in Frankfurt FRA1", "法兰克福 FRA1 的共享与托管虚拟主机"),
        ("fra1-mysql", "MySQL databases", "MySQL 数据库", "", ""),
        ("fra1-dedicated", "Dedicated servers", "独立服务器",
         "Network and power for dedicated servers", "独立服务器的网络与供电"),
    ]),
    ("Amsterdam — VPS", "阿姆斯特丹 — VPS", [
        ("ams2-vps", "VPS hosts", "VPS 宿主机", "Virtual servers in Amsterdam AMS2",
         "阿姆斯特丹 AMS2 的虚拟服务器"),
        ("ams2-storage", "Block storage", "块存储", "", ""),
        ("ams2-shared", "Shared hosting", "共享主机", "", ""),
    ]),
    ("DNS and email", "DNS 与邮件", [
        ("dns", "Authoritative DNS", "权威 DNS", "Name servers ns1–ns3", "域名服务器 ns1–ns3"),
        ("mail-in", "Incoming email", "收信", "MX, IMAP and POP3", "MX、IMAP 与 POP3"),
        ("mail-out", "Outgoing email", "发信", "SMTP relay", "SMTP 中继"),
    ]),
    ("Control panel and network", "控制面板与网络", [
        ("panel", "Control panel", "控制面板", "", ""),
        ("api", "Public API", "公共 API", "", ""),
        ("cdn", "CDN", "CDN", "Edge caches worldwide", "全球边缘缓存"),
    ]),
]  # fmt: skip

SERVICE_COMPONENTS = {
    "web01.acme.example": ["fra1-dedicated"],
    "shop.acme.example": ["fra1-web", "fra1-mysql"],
    "vps-eu-7.acme.example": ["ams2-vps", "ams2-storage"],
    "acme.example": ["dns"],
    "mail.acme.example": ["mail-in", "mail-out"],
    "globex.example": ["ams2-shared"],
    "globex.example (domain)": ["dns"],
    "cdn.globex.example": ["cdn"],
}

POSTMORTEM = """## What happened

At 03:12 UTC one of the two power feeds of rack row C in Amsterdam AMS2 failed during
planned work by the data centre operator. A faulty transfer switch did not move the load
to the second feed, and 41 VPS hosts lost power.

## Impact

Virtual servers on those hosts were unreachable for up to 2 hours and 20 minutes. No data
was lost; block storage volumes were checked before the hosts were started again.

## What we are changing

- The transfer switches of rows A–D have been replaced and tested under load.
- Hosts are now spread so that no customer's redundant VPS pair shares a power feed.
- We will announce the operator's planned power work as maintenance on this page.
"""

POSTMORTEM_ZH = """## 发生了什么

UTC 时间 03:12，阿姆斯特丹 AMS2 机房 C 排机柜的两路供电之一在机房运营方的计划作业中中断。
一台故障的自动转换开关没有把负载切换到第二路供电，41 台 VPS 宿主机因此断电。

## 影响

这些宿主机上的虚拟服务器最长 2 小时 20 分钟无法访问。没有数据丢失：宿主机重新启动前，
我们逐一检查了块存储卷。

## 我们的改进

- A–D 排的自动转换开关已全部更换，并在负载下完成测试。
- 宿主机的分布已调整，任何客户的冗余 VPS 对都不再共用同一路供电。
- 今后机房运营方的计划供电作业，我们会作为维护公告发布在本页。
"""

# name, Chinese name, days ago, start hour, minutes, impact, components, post-mortem (en, zh)
HISTORY = [
    ("Elevated response times on Frankfurt web servers", "法兰克福 Web 服务器响应变慢",
     78, 9, 95, "minor", ["fra1-web"], "", ""),
    ("VPS hosts unreachable in Amsterdam", "阿姆斯特丹 VPS 宿主机无法访问", 61, 3, 140, "critical",
     ["ams2-vps", "ams2-storage"], POSTMORTEM, POSTMORTEM_ZH),
    ("Delayed delivery of incoming email", "收信延迟", 44, 14, 180, "major", ["mail-in"], "", ""),
    ("DNS resolution failures for some domains", "部分域名解析失败", 27, 20, 50, "major", ["dns"],
     "", ""),
    ("Control panel sign-in errors", "控制面板登录出错", 12, 8, 40, "minor", ["panel", "api"],
     "", ""),
    ("MySQL connection errors in Frankfurt", "法兰克福 MySQL 连接出错", 5, 11, 35, "critical",
     ["fra1-mysql"], "", ""),
]  # fmt: skip

STEPS = [
    ("investigating", 0, "We are investigating reports of problems with {what}.",
     "我们正在调查{what}出现问题的报告。"),
    ("identified", 0.3, "We have found the cause and are working on a fix.",
     "我们已找到原因，正在修复。"),
    ("monitoring", 0.7, "A fix is in place and we are watching the results.",
     "修复已上线，我们正在观察效果。"),
    ("resolved", 1, "This incident is resolved. Thank you for your patience.",
     "此故障已解决。感谢您的耐心。"),
]  # fmt: skip

TEMPLATES = [
    ("Investigating", "incident", "investigating",
     "We are investigating reports of problems with this service and will post an update "
     "within 30 minutes.",
     "我们正在调查此服务出现问题的报告，将在 30 分钟内发布更新。"),
    ("Resolved", "incident", "resolved",
     "This incident is resolved. If you still see problems, please open a ticket.",
     "此故障已解决。如果您仍遇到问题，请提交工单。"),
    ("Maintenance announcement", "maintenance", "scheduled",
     "We will carry out maintenance during this window. Short interruptions are possible.",
     "我们将在此时间段内进行维护，期间可能出现短暂中断。"),
]  # fmt: skip


def _component_status(impact):
    return {"minor": "degraded_performance", "major": "partial_outage"}.get(impact, "major_outage")


def _add_update(incident, status, body, at, changes=(), body_zh_hans=""):
    update = IncidentUpdate.objects.create(
        incident=incident,
        status=status,
        body=body,
        body_zh_hans=body_zh_hans,
        display_at=at,
        created_at=at,
    )
    IncidentUpdate.objects.filter(pk=update.pk).update(updated_at=at)
    for component, old, new in changes:
        IncidentUpdateComponent.objects.create(
            update=update, component=component, old_status=old, new_status=new
        )
    return update


def _history_incident(names, start, minutes, impact, components, postmortems):
    name, name_zh_hans = names
    postmortem, postmortem_zh_hans = postmortems
    end = start + datetime.timedelta(minutes=minutes)
    incident = Incident.objects.create(
        name=name,
        name_zh_hans=name_zh_hans,
        postmortem_zh_hans=postmortem_zh_hans,
        impact=impact,
        status="postmortem" if postmortem else "resolved",
        started_at=start,
        created_at=start,
        monitoring_at=start + datetime.timedelta(minutes=minutes * 0.7),
        resolved_at=end,
        postmortem=postmortem,
        postmortem_published_at=end + datetime.timedelta(days=2) if postmortem else None,
    )
    incident.components.set(components)
    what = ", ".join(c.name for c in components)
    what_zh = "、".join(c.name_zh_hans or c.name for c in components)
    down = _component_status(impact)
    for status, fraction, text, text_zh in STEPS:
        at = start + datetime.timedelta(minutes=minutes * fraction)
        if status == "investigating":
            changes = [(c, "operational", down) for c in components]
        elif status == "resolved":
            changes = [(c, down, "operational") for c in components]
        else:
            changes = []
        _add_update(
            incident, status, text.format(what=what), at, changes, text_zh.format(what=what_zh)
        )
    if postmortem:
        _add_update(
            incident,
            "postmortem",
            "We have published a post-mortem for this incident.",
            end + datetime.timedelta(days=2),
            body_zh_hans="我们已发布此故障的事后分析。",
        )


def seed(stdout=None):
    if Component.objects.exists():
        if stdout:
            stdout.write("  status: already seeded")
        return
    now = timezone.now().replace(second=0, microsecond=0)
    born = now - datetime.timedelta(days=120)
    components = {}
    for group_order, (group_name, group_name_zh, members) in enumerate(GROUPS):
        group = ComponentGroup.objects.create(
            name=group_name, name_zh_hans=group_name_zh, order=group_order, created_at=born
        )
        for order, (slug, name, name_zh, description, description_zh) in enumerate(members):
            components[slug] = Component.objects.create(
                group=group,
                slug=slug,
                name=name,
                name_zh_hans=name_zh,
                description=description,
                description_zh_hans=description_zh,
                order=order,
                created_at=born,
            )
    for service in Service.objects.filter(name__in=SERVICE_COMPONENTS):
        for slug in SERVICE_COMPONENTS[service.name]:
            components[slug].services.add(service)

    today = now.replace(hour=0, minute=0)
    for name, name_zh, days_ago, hour, minutes, impact, slugs, postmortem, pm_zh in HISTORY:
        start = today - datetime.timedelta(days=days_ago) + datetime.timedelta(hours=hour)
        _history_incident(
            (name, name_zh),
            start,
            minutes,
            impact,
            [components[s] for s in slugs],
            (postmortem, pm_zh),
        )

    start = today - datetime.timedelta(days=20) + datetime.timedelta(hours=1)
    end = start + datetime.timedelta(hours=2)
    done = Incident.objects.create(
        kind="maintenance",
        name="Block storage firmware upgrade in Amsterdam",
        name_zh_hans="阿姆斯特丹块存储固件升级",
        status="completed",
        scheduled_for=start,
        scheduled_until=end,
        started_at=start,
        resolved_at=end,
        created_at=start - datetime.timedelta(days=7),
    )
    done.components.set([components["ams2-storage"]])
    _add_update(
        done,
        "scheduled",
        "We will upgrade the storage controllers' firmware.",
        start - datetime.timedelta(days=7),
        body_zh_hans="我们将升级存储控制器的固件。",
    )
    _add_update(
        done,
        "in_progress",
        "The scheduled maintenance has started.",
        start,
        body_zh_hans="计划维护已开始。",
    )
    _add_update(
        done,
        "completed",
        "The scheduled maintenance has been completed.",
        end,
        body_zh_hans="计划维护已完成。",
    )

    started = now - datetime.timedelta(minutes=40)
    active = Incident.objects.create(
        name="Slow delivery of outgoing email",
        name_zh_hans="发信缓慢",
        impact="minor",
        status="identified",
        started_at=started,
        created_at=started,
    )
    active.components.set([components["mail-out"]])
    _add_update(
        active,
        "investigating",
        "Some outgoing messages are queued for up to 20 minutes. We are investigating.",
        started,
        [(components["mail-out"], "operational", "degraded_performance")],
        "部分外发邮件最长排队 20 分钟。我们正在调查。",
    )
    _add_update(
        active,
        "identified",
        "A spam wave from a compromised account filled the relay's queue. We have blocked "
        "the account and are **clearing the queue**; delays are getting shorter.",
        started + datetime.timedelta(minutes=25),
        body_zh_hans="一个被盗用账户发出的大量垃圾邮件塞满了中继队列。我们已封禁该账户，"
        "正在**清理队列**，延迟正在缩短。",
    )
    Component.objects.filter(pk=components["mail-out"].pk).update(status="degraded_performance")

    private_start = today - datetime.timedelta(days=2, hours=-6)
    private = Incident.objects.create(
        name="VPS host ams2-h17 restarted",
        name_zh_hans="VPS 宿主机 ams2-h17 重启",
        impact="major",
        status="resolved",
        is_private=True,
        started_at=private_start,
        created_at=private_start,
        resolved_at=private_start + datetime.timedelta(minutes=25),
    )
    private.components.set([components["ams2-vps"]])
    _add_update(
        private,
        "investigating",
        "The host running your VPS restarted unexpectedly; your VPS is starting again.",
        private_start,
        body_zh_hans="运行您 VPS 的宿主机意外重启，您的 VPS 正在重新启动。",
    )
    _add_update(
        private,
        "resolved",
        "Every VPS on the host is running again. We replaced a faulty memory module.",
        private_start + datetime.timedelta(minutes=25),
        body_zh_hans="该宿主机上的所有 VPS 已恢复运行。我们更换了一条故障内存。",
    )

    window_start = today + datetime.timedelta(days=3, hours=2)
    upcoming = Incident.objects.create(
        kind="maintenance",
        name="Network upgrade in Frankfurt FRA1",
        name_zh_hans="法兰克福 FRA1 网络升级",
        status="scheduled",
        scheduled_for=window_start,
        scheduled_until=window_start + datetime.timedelta(hours=2),
    )
    upcoming.components.set(
        [components["fra1-web"], components["fra1-mysql"], components["fra1-dedicated"]]
    )
    _add_update(
        upcoming,
        "scheduled",
        "We will replace the core routers in Frankfurt FRA1. Expect up to two short "
        "interruptions of about a minute each.",
        now - datetime.timedelta(days=1),
        body_zh_hans="我们将更换法兰克福 FRA1 的核心路由器。"
        "预计会有最多两次、每次约一分钟的短暂中断。",
    )

    for name, kind, status, body, body_zh in TEMPLATES:
        IncidentTemplate.objects.get_or_create(
            name=name,
            defaults={"kind": kind, "status": status, "body": body, "body_zh_hans": body_zh},
        )
    for email, language, slugs in [
        ("ops@acme.example", "en", []),
        ("chen.wei@acme.example", "zh-hans", ["fra1-web", "mail-in", "mail-out"]),
        ("noc@globex.example", "en", ["ams2-shared", "dns"]),
    ]:
        subscriber = Subscriber.objects.create(email=email, language=language, confirmed_at=born)
        subscriber.components.set([components[s] for s in slugs])
    if stdout:
        count = Incident.objects.count()
        stdout.write(f"  status: {len(components)} components, {count} incidents")
