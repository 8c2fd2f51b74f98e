"""Certificate image benchmark: `python -m bench.run --target render` (or `python -m bench.render`).

Aim: a certificate image under 150 ms when it is rendered (cold) and under 5 ms once stored (cached),
on this 2-core box. Two parts, both reported (see bench/README.md, "Certificate images"):

1. In-process, in a fresh child process: `app.rendering.certificate.render_certificate(data, lang=,
   variant=)` for N distinct certificates per (variant, language): the very first call (font loading
   and the renderer's caches), then for each certificate the first render of its data (cold) and an
   immediate second render of the same data (warm), p50/p99/mean; plus how much of a render is the
   PNG encoding.
2. Through HTTP: gunicorn (2 sync workers) on a fresh database (temp SQLite by default, or a scratch
   PostgreSQL database), sandbox mode, CERTIFICATE_STORAGE_DIR in a temp dir. Real certificates are
   made through the API journey (bench/scenarios.py rush_journey), then GET
   /api/v1/certificates/<serial>/image.png?variant=&lang= once per (certificate, variant, language)
   (cold: rendered and stored), then many times again (cached: read from storage), then with
   If-None-Match (304). One request at a time, so the latencies are service times, not queueing.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.latency import (
    STAT_HEADER,
    CheckFailed,
    expect_status,
    fmt_ms,
    group_cpu_seconds,
    save_results,
    stat_cols,
    stats,
    timed,
)
from bench.server import (
    HOST,
    ROOT,
    BenchError,
    Gunicorn,
    prepared_environment,
    scratch_postgres,
    sigterm_as_keyboard_interrupt,
)

COMBOS = [("portrait", "zh"), ("portrait", "en"), ("card", "zh"), ("card", "en")]
AIM_COLD_MS = 150.0
AIM_CACHED_MS = 5.0
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run --target render", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", default="render", help=argparse.SUPPRESS)  # when called through bench.run
    p.add_argument("--n", type=int, default=40,
                   help="in-process: distinct certificates per (variant, language) (default 40)")
    p.add_argument("--certificates", type=int, default=40,
                   help="HTTP: certificates made through the API; each gets 2 variants x 2 languages cold "
                        "(default 40 -> 160 cold renders)")
    p.add_argument("--cached-requests", type=int, default=1000,
                   help="HTTP: sequential requests of stored images, and as many with If-None-Match (default 1000)")
    p.add_argument("--reference-requests", type=int, default=200,
                   help="HTTP: sequential GET /api/v1/certificates/<serial> (the JSON record) for comparison "
                        "(default 200; 0 = skip)")
    p.add_argument("--db-url", default=None,
                   help="'sqlite' (default: a temp SQLite file), 'scratch' (a PostgreSQL database created and "
                        "dropped, see bench/README.md) or a URL of an empty database of its own")
    p.add_argument("--workers", "-w", type=int, default=2, help="gunicorn workers (default 2)")
    p.add_argument("--skip-inprocess", action="store_true", help="only the HTTP part")
    p.add_argument("--skip-http", action="store_true", help="only the in-process part")
    p.add_argument("--keep", action="store_true", help="keep the temp dirs (database, images, gunicorn log)")
    p.add_argument("--output", type=Path, default=None,
                   help="results JSON path (default bench/results/render-<timestamp>.json)")
    p.add_argument("--inprocess-child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    for name in ("n", "certificates", "workers"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")
    if args.cached_requests < 0 or args.reference_requests < 0:
        p.error("request counts cannot be negative")
    if args.certificates > 500:
        p.error("--certificates: at most 500 (each is a whole journey and takes stock)")
    return args


# ---------------------------------------------------------------------------------------------
# In-process (runs in a child process: `python -m bench.render --inprocess-child --n N`)

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
HOLDERS = ["点点用户{n:04d}", "王小明", "Alice Martin", "李华🌱", "成都绿色出行志愿者协会第{n}小组",
           "Zhang Wei (Tsinghua)", "🎉🎉!", "欧阳娜娜", "Dr. Jean-Baptiste Fontaine-Lefebvre de la Tour"]


def sample_data(i: int, rng: random.Random) -> dict:
    """Field values of one plausible certificate (the i-th of a run): distinct serial, holder, kg, QR."""
    serial = "DD-" + "-".join("".join(rng.choice(CROCKFORD) for _ in range(4)) for _ in range(3)) + \
             "-" + rng.choice(CROCKFORD)
    life = i % 5 == 4
    project = rng.choice([("龙泉山城市森林碳汇（演示）", "Longquan Mountain urban forest carbon sink (demo)",
                           "CDCER-FOR-2021-"),
                          ("社区屋顶分布式光伏（演示）", "Community rooftop solar (demo)", "CDCER-PV-2022-"),
                          ("新能源公交低碳出行（演示）", "Electric bus low-carbon travel (demo)", "CDCER-EV-2023-")])
    first = rng.randint(1, 900)
    count = rng.choice([1, 1, 2, 3, 7])
    serials = tuple(f"{project[2]}{first + k:08d}" for k in range(count))
    return {
        "serial": serial, "status": "valid", "holder": HOLDERS[i % len(HOLDERS)].format(n=i),
        "kg": rng.choice([rng.randint(1, 999), rng.randint(100, 5000), rng.randint(5000, 250000)]),
        "subject": "life" if life else "event",
        "scenario_title": "生活碳足迹" if life else "首届中国数字碳中和高峰论坛",
        "scenario_title_en": "Life carbon footprint" if life else "The First China Digital Carbon Neutrality Forum",
        "venue": None if life else "主论坛会场", "venue_en": None if life else "Main forum hall",
        "city": None if life else "成都", "city_en": None if life else "Chengdu",
        "event_date": None if life else dt.date(2021, 9, 7),
        "project_name": project[0], "project_name_en": project[1], "standard": "CDCER",
        "credit_serials": serials, "issued_on": dt.date(2026, 11, 1) + dt.timedelta(days=i % 28),
        "issuer": "点点碳中和 Diandian", "verify_url": f"http://127.0.0.1:8000/verify/{serial}",
        "revoked_on": None,
    }


def inprocess_child(n: int) -> dict:
    """Time render_certificate in this (fresh) process; returns the figures (printed as JSON)."""
    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    from app.rendering import certificate as renderer  # PIL, qrcode: imported here, timed

    import_s = time.perf_counter() - t0
    fields = {f.name for f in dataclasses.fields(renderer.CertificateData)}
    required = {f.name for f in dataclasses.fields(renderer.CertificateData)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}

    def make(i: int, rng: random.Random):
        values = sample_data(i, rng)
        missing = required - set(values)
        if missing:
            raise SystemExit(f"bench.render: CertificateData has new required fields {sorted(missing)}: "
                             "update bench/render.py sample_data()")
        return renderer.CertificateData(**{k: v for k, v in values.items() if k in fields})

    rng = random.Random(20261122)
    render = renderer.render_certificate
    out: dict = {"import_ms": import_s * 1000, "n": n, "combos": {}}
    # The very first call: fonts read and parsed, the renderer's caches (backgrounds, emblem, seal) built.
    t = time.perf_counter()
    render(make(0, rng), lang="zh", variant="portrait")
    out["first_call_ms"] = (time.perf_counter() - t) * 1000
    # The first render of each other (variant, language): builds that variant's cached parts.
    out["first_of_combo_ms"] = {}
    for variant, lang in COMBOS[1:]:
        t = time.perf_counter()
        render(make(0, rng), lang=lang, variant=variant)
        out["first_of_combo_ms"][f"{variant}/{lang}"] = (time.perf_counter() - t) * 1000
    # Cold: a certificate never rendered in this process (distinct data for every combo, so that no
    # per-data cache, e.g. the QR matrix, is shared); warm: the same data again, right away.
    cold = {c: [] for c in COMBOS}
    warm = {c: [] for c in COMBOS}
    sizes = {c: [] for c in COMBOS}
    same_bytes = True
    for i in range(1, n + 1):
        for variant, lang in COMBOS:  # interleaved: every combo sees the same machine noise
            data = make(i, rng)
            t = time.perf_counter()
            png = render(data, lang=lang, variant=variant)
            cold[(variant, lang)].append(time.perf_counter() - t)
            t = time.perf_counter()
            again = render(data, lang=lang, variant=variant)
            warm[(variant, lang)].append(time.perf_counter() - t)
            same_bytes &= again == png
            sizes[(variant, lang)].append(len(png))
    # How much of a render is drawing and how much PNG encoding (private API: skipped if it moved).
    encode: dict = {}
    try:
        from app.rendering import canvas
        for variant, lang in COMBOS:
            draw_s, enc_s = [], []
            for i in range(1, min(n, 10) + 1):
                data = make(1000 + i, rng)
                t = time.perf_counter()
                img = renderer._render(data, lang, variant).img
                t1 = time.perf_counter()
                canvas.png_bytes(img)
                t2 = time.perf_counter()
                draw_s.append(t1 - t)
                enc_s.append(t2 - t1)
            encode[f"{variant}/{lang}"] = {"draw_ms": statistics.median(draw_s) * 1000,
                                           "png_encode_ms": statistics.median(enc_s) * 1000,
                                           "compress_level": canvas.PNG_COMPRESS_LEVEL}
        # What other encodings would cost and weigh (same pictures: a portrait and a card): the service's
        # unfiltered rows at other zlib levels, and Pillow's own encoder (adaptive filter on every row).
        def pillow(img, lvl):
            buf = io.BytesIO()
            img.save(buf, "PNG", optimize=False, compress_level=lvl)
            return buf.getvalue()

        encoders = [(f"unfiltered level {lvl}", lambda img, lvl=lvl: canvas.png_bytes(img, level=lvl))
                    for lvl in (1, 3, 6)]
        encoders += [(f"Pillow level {lvl}", lambda img, lvl=lvl: pillow(img, lvl)) for lvl in (1, 6)]
        levels = {}
        for variant in ("portrait", "card"):
            img = renderer._render(make(2000, rng), "zh", variant).img
            for name, encoder in encoders:
                times, size = [], 0
                for _ in range(3):
                    t = time.perf_counter()
                    size = len(encoder(img))
                    times.append(time.perf_counter() - t)
                levels[f"{variant}/zh {name}"] = {"encode_ms": min(times) * 1000, "kb": size / 1024}
        out["png_levels"] = levels
    except Exception as exc:  # noqa: BLE001 - a diagnostic only
        encode = {"skipped": f"{type(exc).__name__}: {exc}"}
    for c in COMBOS:
        out["combos"][f"{c[0]}/{c[1]}"] = {"cold": stats(cold[c]), "warm": stats(warm[c]),
                                           "png_bytes_mean": int(statistics.mean(sizes[c]))}
    out["all_cold"] = stats([x for c in COMBOS for x in cold[c]])
    out["all_warm"] = stats([x for c in COMBOS for x in warm[c]])
    out["deterministic"] = same_bytes
    out["breakdown"] = encode
    return out


def run_inprocess(n: int) -> dict:
    cmd = [sys.executable, "-m", "bench.render", "--inprocess-child", "--n", str(n)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise BenchError("the in-process render child took longer than 600 s") from None
    if proc.returncode != 0:
        raise BenchError(f"the in-process render child failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


def report_inprocess(r: dict) -> list[str]:
    lines = [f"in-process (fresh process, {r['n']} distinct certificates per variant/language): import "
             f"{r['import_ms']:.0f} ms; very first call (zh portrait, fonts loaded, caches built) "
             f"{r['first_call_ms']:.0f} ms; first of the others: "
             + ", ".join(f"{k} {v:.0f} ms" for k, v in r["first_of_combo_ms"].items()),
             f"  {'variant/lang':<14} {'':<5} {STAT_HEADER}  png KB"]
    for combo, c in r["combos"].items():
        lines.append(f"  {combo:<14} {'cold':<5} {stat_cols(c['cold'])}  {c['png_bytes_mean'] / 1024:6.0f}")
        lines.append(f"  {combo:<14} {'warm':<5} {stat_cols(c['warm'])}")
    lines.append(f"  {'all':<14} {'cold':<5} {stat_cols(r['all_cold'])}")
    lines.append(f"  {'all':<14} {'warm':<5} {stat_cols(r['all_warm'])}")
    b = r.get("breakdown") or {}
    if "skipped" in b:
        lines.append(f"  draw/encode split: skipped ({b['skipped']})")
    elif b:
        lines.append("  draw + PNG encode (median of 10, compress_level "
                     f"{next(iter(b.values()))['compress_level']}): "
                     + ", ".join(f"{k} {v['draw_ms']:.0f} + {v['png_encode_ms']:.0f} ms" for k, v in b.items()))
    if r.get("png_levels"):
        lines.append("  PNG encodings (encode ms / KB, best of 3): " + ", ".join(
            f"{k} {v['encode_ms']:.0f}/{v['kb']:.0f}" for k, v in r["png_levels"].items()))
    lines.append(f"  deterministic (second render = same bytes): {'yes' if r['deterministic'] else 'NO'}")
    return lines


# ---------------------------------------------------------------------------------------------
# Through HTTP


def _png_check(what: str):
    def check(i, resp):
        expect_status(resp, 200, what)
        if resp.headers.get("content-type", "").split(";")[0] != "image/png" or not resp.body.startswith(PNG_MAGIC):
            raise CheckFailed(f"{what}: not a PNG (Content-Type {resp.headers.get('content-type')!r}, "
                              f"{resp.body[:60]!r})")
        if not resp.headers.get("etag"):
            raise CheckFailed(f"{what}: no ETag")
    return check


def make_certificates(port: int, count: int, tag: str, progress) -> list[str]:
    """`count` real certificates through the API journey (login ... confirm ... certificate serial)."""
    from bench.scenarios import CheckContext, JourneyCheckFailed, rush_journey

    serials = []
    for i in range(count):
        try:
            done = rush_journey(CheckContext(HOST, port), code=f"sandbox-render-{tag}-{i}", door=i % 8 + 1,
                                pick="most")
        except JourneyCheckFailed as exc:
            raise BenchError(f"certificate journey {i + 1} failed at {exc}") from None
        serials.append(done["certificate"])
        progress(i + 1)
    return serials


def image_path(serial: str, variant: str, lang: str) -> str:
    return f"/api/v1/certificates/{serial}/image.png?variant={variant}&lang={lang}"


def run_http(args, started: dt.datetime) -> dict:
    out: dict = {}
    tag = f"{os.getpid()}-{int(time.time())}"
    with contextlib.ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix="diandian-bench-render-"))
        if not args.keep:
            stack.callback(shutil.rmtree, tmp, True)
        else:
            print(f"[bench] keeping {tmp}", file=sys.stderr)
        store = tmp / "certificates"
        db_url, source = args.db_url or "sqlite", ""
        t = time.perf_counter()
        if db_url == "sqlite":
            db_url, source = None, "temp SQLite file"
        elif db_url == "scratch":
            db_url = stack.enter_context(scratch_postgres())
            source = f"scratch database {db_url.rsplit('/', 1)[-1]}, dropped at the end"
        else:
            source = "--db-url"
        benv = stack.enter_context(prepared_environment(db_url, keep=args.keep,
                                                        extra_env={"CERTIFICATE_STORAGE_DIR": str(store)}))
        print(f"database: {benv.db_kind} ({source}) migrated and seeded in {time.perf_counter() - t:.1f}s; "
              f"CERTIFICATE_STORAGE_DIR={store}", flush=True)
        # No pictures drawn after each payment (the service draws them then by default, inline without Redis):
        # the cold requests below are the ones that draw and store every picture. And the images' limit per
        # address (1,200 a minute, a venue's guests sharing one) raised for this one client's ~2,200 requests
        # in a minute: still counted on every request, as the service runs.
        env = {**benv.env, "QUEUE_PRERENDER_LANGS": "", "RATE_IMAGES_PER_ADDRESS": "100000000/minute"}
        srv = stack.enter_context(Gunicorn("wsgi:app", env, port=benv.port, workers=args.workers,
                                           logdir=tmp, name="render"))
        print(f"server: gunicorn wsgi:app -w {args.workers} on {HOST}:{srv.port} (log {srv.logfile})", flush=True)
        out["server"] = srv.settings
        out["database"] = benv.db_kind

        # 1. Certificates, through the whole journey (not measured). Two extra for the warm-up.
        t = time.perf_counter()
        total = args.certificates + 2
        serials = make_certificates(
            srv.port, total, tag,
            lambda k: print(f"  certificates: {k}/{total}", flush=True) if k % 10 == 0 or k == total else None)
        warm_serials, serials = serials[:2], serials[2:]
        out["setup_s"] = time.perf_counter() - t
        print(f"made {total} certificates through the API in {out['setup_s']:.1f}s", flush=True)

        # 2. Warm-up: every worker renders each variant once (fonts, the renderer's caches), not counted in
        # cold. Pairs of simultaneous requests: a sync worker busy with one lets the other take the next.
        warm_lat: list[float] = []
        for serial in warm_serials:
            for variant, lang in COMBOS:
                results: list = []
                path = image_path(serial, variant, lang)
                threads = [threading.Thread(target=lambda out=results, p=path: out.append(timed(srv.port, "GET", p)))
                           for _ in range(2)]
                for th in threads:
                    th.start()
                for th in threads:
                    th.join(120)
                for seconds, resp in results:
                    _png_check(f"warm-up {variant}/{lang}")(0, resp)
                    warm_lat.append(seconds)
        out["warmup"] = {"requests": len(warm_lat), "first_ms": warm_lat[0] * 1000 if warm_lat else None,
                         "max_ms": max(warm_lat) * 1000 if warm_lat else None}
        print(f"warm-up: {len(warm_lat)} renders in pairs (first {out['warmup']['first_ms']:.0f} ms, "
              f"max {out['warmup']['max_ms']:.0f} ms: font loading in fresh workers)", flush=True)

        # 3. Cold: one request per (certificate, variant, language): rendered and stored.
        files_before = sum(1 for _ in store.rglob("*.png"))
        cold: dict = {c: [] for c in COMBOS}
        etags: dict = {}
        digests: dict = {}
        cpu0 = group_cpu_seconds(srv)
        n = 0
        for serial in serials:
            for variant, lang in COMBOS:
                path = image_path(serial, variant, lang)
                seconds, resp = timed(srv.port, "GET", path)
                _png_check(f"cold GET {path}")(0, resp)
                cold[(variant, lang)].append(seconds)
                etags[path] = resp.headers["etag"]
                digests[path] = hashlib.sha256(resp.body).hexdigest()
                n += 1
                if n % 40 == 0:
                    print(f"  cold: {n}/{len(serials) * len(COMBOS)}", flush=True)
        cpu1 = group_cpu_seconds(srv)
        stored = sum(1 for _ in store.rglob("*.png")) - files_before
        if stored != n:
            raise CheckFailed(f"{n} cold requests stored {stored} new files in CERTIFICATE_STORAGE_DIR (expected {n})")
        out["cold"] = {f"{v}/{lang}": stats(cold[(v, lang)]) for v, lang in COMBOS}
        out["cold"]["all"] = stats([x for c in COMBOS for x in cold[c]])
        out["cold"]["all"]["server_cpu_ms_per_req"] = (cpu1 - cpu0) * 1000 / n if cpu0 is not None else None
        out["cold"]["portrait"] = stats(cold[("portrait", "zh")] + cold[("portrait", "en")])
        out["cold"]["card"] = stats(cold[("card", "zh")] + cold[("card", "en")])
        out["stored_files"] = stored

        # 4. Cached: the stored files again (bytes must be those of the cold answer), then 304s.
        paths = list(etags)
        cached, not_modified = [], []
        cpu0 = group_cpu_seconds(srv)
        for i in range(args.cached_requests):
            path = paths[i % len(paths)]
            seconds, resp = timed(srv.port, "GET", path)
            _png_check(f"cached GET {path}")(0, resp)
            if hashlib.sha256(resp.body).hexdigest() != digests[path] or resp.headers["etag"] != etags[path]:
                raise CheckFailed(f"cached GET {path}: other bytes/ETag than the first answer")
            cached.append(seconds)
        cpu1 = group_cpu_seconds(srv)
        out["cached"] = stats(cached)
        out["cached"]["server_cpu_ms_per_req"] = ((cpu1 - cpu0) * 1000 / len(cached)
                                                  if cpu0 is not None and cached else None)
        print(f"  cached: {len(cached)} done", flush=True)
        cpu0 = group_cpu_seconds(srv)
        for i in range(args.cached_requests):
            path = paths[i % len(paths)]
            seconds, resp = timed(srv.port, "GET", path, {"If-None-Match": etags[path]})
            expect_status(resp, 304, f"GET {path} with If-None-Match")
            if resp.body:
                raise CheckFailed(f"GET {path} with If-None-Match: 304 with a body of {len(resp.body)} bytes")
            not_modified.append(seconds)
        cpu1 = group_cpu_seconds(srv)
        out["not_modified"] = stats(not_modified)
        out["not_modified"]["server_cpu_ms_per_req"] = ((cpu1 - cpu0) * 1000 / len(not_modified)
                                                        if cpu0 is not None and not_modified else None)
        print(f"  304: {len(not_modified)} done", flush=True)

        # 5. For comparison: the certificate's JSON record (same lookup, no file).
        if args.reference_requests:
            ref = []
            for i in range(args.reference_requests):
                path = f"/api/v1/certificates/{serials[i % len(serials)]}"
                seconds, resp = timed(srv.port, "GET", path)
                expect_status(resp, 200, f"GET {path}")
                ref.append(seconds)
            out["certificate_json"] = stats(ref)
        tail = srv.log_tail(20)
        if "Traceback" in tail or "ERROR" in tail:
            print(f"--- last lines of the server log ---\n{tail}", file=sys.stderr)
    return out


def report_http(r: dict) -> list[str]:
    lines = [f"HTTP (gunicorn -w {r['server']['workers']} sync, {r['database']}, one request at a time, "
             "TCP connect included):", f"  {'request':<34} {STAT_HEADER}  srv cpu ms/req"]
    for combo in [f"{v}/{lang}" for v, lang in COMBOS] + ["portrait", "card", "all"]:
        s = r["cold"][combo]
        cpu = fmt_ms(s.get("server_cpu_ms_per_req"), 1) if combo == "all" else ""
        lines.append(f"  {'cold (render + store) ' + combo:<34} {stat_cols(s)}  {cpu:>14}")
    lines.append(f"  {'cached (stored file)':<34} {stat_cols(r['cached'])}  "
                 f"{fmt_ms(r['cached'].get('server_cpu_ms_per_req'), 2):>14}")
    lines.append(f"  {'If-None-Match -> 304':<34} {stat_cols(r['not_modified'])}  "
                 f"{fmt_ms(r['not_modified'].get('server_cpu_ms_per_req'), 2):>14}")
    if "certificate_json" in r:
        lines.append(f"  {'(reference) certificate JSON':<34} {stat_cols(r['certificate_json'])}")
    return lines


def _verdict(st: dict, aim: float) -> str:
    if st["p99_ms"] < aim:
        return "met (p99)"
    return "met at p50, NOT at p99" if st["p50_ms"] < aim else "NOT met"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.inprocess_child:
        print(json.dumps(inprocess_child(args.n)))
        return 0
    sigterm_as_keyboard_interrupt()
    started = dt.datetime.now()
    print(f"bench: target=render in-process n={args.n} x 4, HTTP {args.certificates} certificates x 4 cold, "
          f"{args.cached_requests} cached + {args.cached_requests} 304, cpus={os.cpu_count()}", flush=True)
    results: dict = {"started": started.isoformat(timespec="seconds"), "target": "render",
                     "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                     "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform(), "loadavg_start": os.getloadavg()},
                     "aims_ms": {"cold": AIM_COLD_MS, "cached": AIM_CACHED_MS}}
    status = 0
    try:
        if not args.skip_inprocess:
            print("in-process: rendering in a child process ...", flush=True)
            results["inprocess"] = run_inprocess(args.n)
            for line in report_inprocess(results["inprocess"]):
                print(line, flush=True)
        if not args.skip_http:
            results["http"] = run_http(args, started)
    except CheckFailed as exc:
        print(f"CHECK FAILED: {exc}", file=sys.stderr)
        results["error"] = str(exc)
        status = 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        results["interrupted"] = True
        status = 130
    print()
    if "http" in results:
        for line in report_http(results["http"]):
            print(line)
    verdicts = []
    if "inprocess" in results:
        c = results["inprocess"]["all_cold"]
        verdicts.append(f"in-process cold p50 {c['p50_ms']:.0f} / p99 {c['p99_ms']:.0f} ms (aim < {AIM_COLD_MS:.0f}): "
                        + _verdict(c, AIM_COLD_MS))
    if "http" in results:
        h = results["http"]
        for label, st, aim in (("cold", h["cold"]["all"], AIM_COLD_MS), ("cached", h["cached"], AIM_CACHED_MS)):
            verdicts.append(f"HTTP {label} p50 {st['p50_ms']:.2f} / p99 {st['p99_ms']:.2f} ms (aim < {aim:.0f}): "
                            + _verdict(st, aim))
    for v in verdicts:
        print("aim: " + v)
    results["verdicts"] = verdicts
    results["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    results["machine"]["loadavg_end"] = os.getloadavg()
    print(f"machine load average (1, 5, 15 min): {results['machine']['loadavg_start'][0]:.2f} at the start, "
          f"{' '.join(f'{x:.2f}' for x in results['machine']['loadavg_end'])} at the end (other work on the box "
          "skews the figures)")
    out = save_results(results, "render", started, args.output)
    print(f"results: {out}")
    return status


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        sys.exit(130)
