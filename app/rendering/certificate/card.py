"""The card certificate, 1000x800 (5:4), for chat share cards: emblem and title across the top, the
holder, kilograms and scenario on the left, the QR code on the right, a footer line with the serial
and the issuer."""
from __future__ import annotations

from app.rendering.canvas import Canvas
from app.rendering.certificate.content import (
    CertificateData,
    clean_holder,
    place_line,
    scenario_title,
    status_text,
    wording,
)
from app.rendering.certificate.elements import QR_LEVEL, kg_line, revoke
from app.rendering.fonts import draw_text, font
from app.rendering.ornaments import background, diamond, emblem
from app.rendering.palette import FOREST, GOLD, GREEN, INK, MUTED, STAMP_RED
from app.rendering.qr import paste_qr
from app.rendering.text import (
    SEP,
    clean_text,
    ellipsize,
    fit_lines,
    fit_name,
    fit_size,
    format_date,
    name_baselines,
    wrap,
)

CARD_SIZE = (1000, 800)


def draw_card(data: CertificateData, lang: str) -> Canvas:
    """The card certificate on a Canvas, with its named boxes (see certificate.layout)."""
    t = wording(lang)
    W = CARD_SIZE[0]
    bg = background(CARD_SIZE, 24, 16)
    c = Canvas(CARD_SIZE, FOREST, bg.copy())
    left = 84
    col_right = 612
    col_w = col_right - left
    qr_left, qr_right = 660, W - 84
    qcx = (qr_left + qr_right) / 2

    # header: emblem + title
    em = emblem(72)
    c.img.paste(em, (left, 78), em)
    c.boxes["emblem"] = (left, 78, left + em.width, 78 + em.height)
    tx = left + em.width + 20
    if lang == "zh":
        c.text((tx, 124), t["card_title"], font("bold", 44), FOREST, anchor="ls", tracking=8)
        c.text((tx, 150), t["subtitle"], font("regular", 15), GOLD, anchor="ls", tracking=3)
    else:
        size = fit_size(t["card_title"], "bold", 38, 26, W - 84 - tx)
        c.text((tx, 122), t["card_title"], font("bold", size), FOREST, anchor="ls")
        c.text((tx, 150), t["subtitle"], font("regular", 16), GOLD, anchor="ls", tracking=2)
    c.boxes["title"] = (tx, 80, W - 84, 156)
    c.draw.line((left, 184, W - 84, 184), fill=GOLD, width=2)
    diamond(c.draw, left, 184, 5, GOLD)
    diamond(c.draw, W - 84, 184, 5, GOLD)

    # left column: holder, kg, scenario
    draw_text(c.draw, (left, 240), t["certify"], font("regular", 24), MUTED, "ls")
    holder = clean_holder(data.holder, lang)
    hbox = (left, 256, col_right, 346)
    names, hf = fit_name(holder, col_w, 70, 44, 38, 28)
    for line, base in zip(names, name_baselines(len(names), hf, (hbox[1] + hbox[3]) / 2 + 2)):
        draw_text(c.draw, (left, base), line, hf, INK, "ls")
    c.boxes["holder"] = hbox
    c.draw.line((left, 356, left + 300, 356), fill=GOLD, width=2)

    draw_text(c.draw, (left, 404), t["kg_caption"], font("regular", 22), MUTED, "ls")
    c.boxes["kg"] = kg_line(c, left, 508, data.kg, 104, col_w, GREEN, align="l")

    scen = scenario_title(data) if data.subject != "life" else t["card_life"]
    # two lines from 26 px down to 20, else three at 20 (cut only past that)
    lines, sf = fit_lines(scen, "bold", 26, 20, col_w, 2)
    if len(wrap(scen, sf, col_w)) > 2:
        lines, sf = fit_lines(scen, "bold", 20, 20, col_w, 3)
    lh = int(sf.size * 1.45)
    y = 566 if len(lines) <= 2 else 552
    for line in lines:
        draw_text(c.draw, (left, y), line, sf, FOREST, "ls")
        y += lh
    y += 38 - lh
    meta = []
    place = place_line(data)
    if place:
        meta.append(place)
    if data.event_date:
        meta.append(format_date(data.event_date, lang))
    if meta:
        mf = font("regular", 21)
        draw_text(c.draw, (left, y + 2), ellipsize(SEP.join(meta), mf, col_w), mf, MUTED, "ls")
    c.boxes["scenario"] = (left, 536, col_right, 620)

    # right column: QR, caption
    paste_qr(c, data.verify_url, (qr_left, 236, qr_right, 236 + (qr_right - qr_left)), level=QR_LEVEL)
    qx0, qy0, qx1, qy1 = c.boxes["qr"]
    c.text((qcx, qy1 + 32), t["scan"], font("regular", 17), MUTED, anchor="ms")

    # footer: serial, issuer, issue date
    c.draw.line((left, 664, W - 84, 664), fill=(210, 200, 170), width=1)
    ff = font("regular", 19)
    draw_text(c.draw, (left, 704), f"{t['label_serial']}  {clean_text(data.serial)}", ff, INK, "ls")
    c.boxes["serial"] = (left, 676, left + 460, 708)
    if data.status == "revoked":
        c.after.append(((W - 84, 704), status_text(data, lang), font("bold", 20), STAMP_RED, "rs"))
        revoke(c, data, lang, (W / 2 - 40, 420), 0.72)
    else:
        right_txt = SEP.join(p for p in (clean_text(data.issuer), format_date(data.issued_on, lang)) if p)
        draw_text(c.draw, (W - 84, 704), ellipsize(right_txt, ff, 420), ff, MUTED, "rs")
    return c
