"""The portrait certificate, 1080x1620 (2:3), the one a guest posts to their WeChat feed: emblem and
title, the holder's name, the sentence, the kilograms, a panel of details fitted to its area, and a
bottom band with the issuer, the seal and the QR code."""
from __future__ import annotations

from app.rendering.canvas import Canvas
from app.rendering.certificate.content import (
    SEAL_ARC,
    SEAL_BOTTOM,
    CertificateData,
    clean_holder,
    credits_lines,
    credits_text,
    place_line,
    project_name,
    scenario_title,
    sentence,
    status_text,
    wording,
)
from app.rendering.certificate.elements import QR_LEVEL, kg_line, revoke
from app.rendering.fonts import Stack, draw_text, font
from app.rendering.ornaments import background, divider, emblem, seal
from app.rendering.palette import FOREST, GOLD, GREEN, INK, MINT, MUTED, STAMP_RED
from app.rendering.qr import paste_qr
from app.rendering.text import (
    clean_text,
    ellipsize,
    fit_lines,
    fit_name,
    fit_size,
    format_date,
    name_baselines,
    wrap,
)

PORTRAIT_SIZE = (1080, 1620)


def _details_rows(data: CertificateData, lang: str) -> list[tuple[str, str, str, int, int]]:
    """(key, label, value, max lines, drop priority: higher goes first when space runs out)."""
    t = wording(lang)
    rows = []
    title = scenario_title(data)
    if title:
        rows.append(("scenario", t["label_event" if data.subject in ("event", "organizer") else "label_scenario"],
                     title, 3, 1))
    if data.event_parts:
        total, guests, count, topup = data.event_parts
        rows.append(("parts", t["label_parts"], t["parts"].format(
            total=f"{total:,}", guests=f"{guests:,}", n=count, topup=f"{topup:,}"), 3, 0))
        rows.append(("boundary", t["label_boundary"], t["boundary"], 2, 2))
    place = place_line(data)
    if place:
        rows.append(("place", t["label_venue"], place, 1, 3))
    if data.event_date:
        rows.append(("date", t["label_date"], format_date(data.event_date, lang), 1, 4))
    project = project_name(data)
    if project:
        rows.append(("project", t["label_project"], project, 2, 0))
    std = clean_text(data.standard)
    if std:
        rows.append(("standard", t["label_standard"], std, 1, 2))
    credits = credits_text(data, lang)
    if credits:
        rows.append(("credits", t["label_credits"], credits, 3, 0))
    if data.status == "revoked":
        rows.append(("status", t["label_status"], status_text(data, lang), 1, -1))
    return rows


def draw_portrait(data: CertificateData, lang: str) -> Canvas:
    """The portrait certificate on a Canvas, with its named boxes (see certificate.layout)."""
    t = wording(lang)
    W = PORTRAIT_SIZE[0]
    bg = background(PORTRAIT_SIZE, 36, 20)
    c = Canvas(PORTRAIT_SIZE, FOREST, bg.copy())
    cx = W / 2
    left, right = 120, W - 120
    width = right - left

    # emblem, title, subtitle
    em = emblem(100)
    ex, ey = int(cx - em.width / 2), 92
    c.img.paste(em, (ex, ey), em)
    c.boxes["emblem"] = (ex, ey, ex + em.width, ey + em.height)
    if lang == "zh":
        c.text((cx, 280), t["title"], font("bold", 78), FOREST, anchor="ms", tracking=14)
        c.text((cx, 324), t["subtitle"], font("regular", 22), GOLD, anchor="ms", tracking=7)
    else:
        size = fit_size(t["title"], "bold", 60, 40, width)
        c.text((cx, 274), t["title"], font("bold", size), FOREST, anchor="ms")
        c.text((cx, 324), t["subtitle"], font("regular", 24), GOLD, anchor="ms", tracking=4)
    c.boxes["title"] = (left, 196, right, 334)
    divider(c.draw, cx, 358, 230)

    # holder: a fixed slot; the name shrinks to fit its width, baseline fixed
    c.text((cx, 414), t["certify"], font("regular", 30), MUTED, anchor="ms")
    holder = clean_holder(data.holder, lang)
    hbox = (left, 428, right, 566)
    names, hf = fit_name(holder, width - 40, 92, 60, 56, 40)
    if len(names) == 1:
        draw_text(c.draw, (cx, 536), names[0], hf, INK, "ms")
    else:
        for line, base in zip(names, name_baselines(2, hf, 500)):
            draw_text(c.draw, (cx, base), line, hf, INK, "ms")
    c.boxes["holder"] = hbox
    c.draw.line((cx - 280, 572, cx + 280, 572), fill=GOLD, width=2)

    # what was neutralised (up to 3 lines, centred in its slot)
    # a long title shrinks the sentence (down to 24 px) before anything is cut
    said = sentence(data, lang)
    lines, sent_f = fit_lines(said, "regular", 32 if lang == "zh" else 30, 24, width - 20, 3)
    if len(wrap(said, sent_f, width - 20)) > 3:  # then four lines, 24 px down to 20
        lines, sent_f = fit_lines(said, "regular", 24, 20, width - 20, 4)
    lh = int(sent_f.size * 1.5)
    first = 672 - (len(lines) - 1) * lh // 2 + (lh - 48) // 3  # centred where three 48 px lines were
    c.centred_lines(lines, sent_f, INK, cx, first, lh)
    c.boxes["sentence"] = (left, 586, right, 736)

    # kilograms
    c.text((cx, 784), t["kg_caption"], font("regular", 26), MUTED, anchor="ms",
           tracking=6 if lang == "zh" else 1)
    c.boxes["kg"] = kg_line(c, cx, 922, data.kg, 150, width, GREEN)

    # details panel: rows fitted into a fixed area (fewer lines, then fewer rows if need be)
    body, small = font("regular", 26), font("regular", 21)
    label_f = font("regular", 22)
    rows = _details_rows(data, lang)
    label_w = max((label_f.getlength(r[1]) for r in rows), default=0) + 28
    px0, px1, area_top, area_bottom = left - 20, right + 20, 956, 1298
    vx = px0 + 30 + label_w
    vwidth = px1 - 30 - vx
    gap = 8

    shrunk: dict[str, Stack] = {}  # a long title shrinks (26 px down to 21) before it is cut
    scenario_max = [body.size]

    def value_font(key: str) -> Stack:
        if key in shrunk:
            return shrunk[key]
        return small if key == "credits" else (font("bold", 24) if key == "status" else body)

    def value_lines(key: str, val: str) -> list[str]:
        if key == "credits":
            return credits_lines(data, lang, small, vwidth, caps[key])
        if key == "scenario":
            lines, shrunk[key] = fit_lines(val, "regular", scenario_max[0], small.size, vwidth, caps[key])
            return lines
        return wrap(val, value_font(key), vwidth, max_lines=caps[key])

    def line_h(f: Stack) -> int:
        return int(f.size * 1.42)

    caps = {key: m for key, _, _, m, _ in rows}

    def fitted(keep: list) -> list[tuple[str, str, list[str]]]:
        return [(key, lab, value_lines(key, val)) for key, lab, val, _, _ in keep]

    def height(items) -> int:
        return sum(line_h(value_font(k)) * len(ls) + gap for k, _, ls in items) - gap + 36

    # when the rows overflow: fewer lines for the long values first, then drop rows
    shrink = [("credits", 2), ("project", 1), ("credits", 1), ("scenario_size", small.size), ("scenario", 2),
              ("scenario", 1)]
    keep = list(rows)
    items = fitted(keep)
    while height(items) > area_bottom - area_top:
        if shrink:
            key, cap = shrink.pop(0)
            if key == "scenario_size":
                scenario_max[0] = cap
            elif key in caps:
                caps[key] = min(caps[key], cap)
        else:  # drop the least important row
            keep.remove(max(keep, key=lambda r: r[4]))
        items = fitted(keep)
    ph = height(items)
    py0 = (area_top + area_bottom) // 2 - ph // 2
    py1 = py0 + ph
    c.draw.rounded_rectangle((px0, py0, px1, py1), radius=14, fill=MINT, outline=(200, 218, 196), width=1)
    y = py0 + 18
    for key, lab, ls in items:
        f = value_font(key)
        lh_ = line_h(f)
        base = y + int(lh_ * 0.78)
        draw_text(c.draw, (px0 + 30, base), lab, label_f, MUTED, "ls")
        for i, line in enumerate(ls):
            xy = (vx, base + i * lh_)
            if key == "status":
                c.after.append((xy, line, f, STAMP_RED, "ls"))
            else:
                draw_text(c.draw, xy, line, f, INK, "ls")
        c.boxes[key] = (vx, y, px1 - 30, y + lh_ * len(ls))
        y += lh_ * len(ls) + gap
    c.boxes["details"] = (px0, py0, px1, py1)

    # bottom band: issuer block (left), seal, QR (right)
    paste_qr(c, data.verify_url, (right - 196, 1322, right, 1518), level=QR_LEVEL)
    qx0, qy0, qx1, qy1 = c.boxes["qr"]
    c.text(((qx0 + qx1) / 2, qy1 + 30), t["scan"], font("regular", 18), MUTED, anchor="ms")
    lab_f, val_f, plain_f = font("regular", 20), font("bold", 26), font("regular", 24)
    info = [
        ("issuer", t["label_issuer"], clean_text(data.issuer), val_f),
        ("issued", t["label_issued"], format_date(data.issued_on, lang), plain_f),
        ("serial", t["label_serial"], clean_text(data.serial), plain_f),
    ]
    info_w = qx0 - 40 - left
    y = 1356
    for key, lab, val, f in info:
        draw_text(c.draw, (left, y), lab, lab_f, MUTED, "ls")
        draw_text(c.draw, (left, y + 34), ellipsize(val, f, info_w), f, INK, "ls")
        c.boxes[key] = (left, y - 22, left + info_w, y + 44)
        y += 74
    seal_img = seal(150, SEAL_ARC, SEAL_BOTTOM)
    sx, sy = int(qx0 - 56 - seal_img.width), 1340
    c.overlay(seal_img, (sx, sy))
    c.boxes["seal"] = (sx, sy, sx + seal_img.width, sy + seal_img.height)

    if data.status == "revoked":
        revoke(c, data, lang, (cx, 780), 1.0)
    return c
