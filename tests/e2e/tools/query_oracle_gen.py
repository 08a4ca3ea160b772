#!/usr/bin/python3
"""Writes the events of tests/e2e/query-oracle.sh, deterministically.

usage: query_oracle_gen.py N EVENTS.jsonl EVENTS.csv

EVENTS.jsonl holds one JSON object per line, which Yamori's JSON decoder
turns into typed fields (host.name, user.name, source.ip, destination.port,
bytes, rtt, action, category, msg); EVENTS.csv holds the same events for
sqlite3 (the oracle), with the time as epoch seconds and the source
address also as an integer (for CIDR ranges).  About one event in ten has
no user (a null).  Times are distinct whole seconds over about three days
from 2026-03-01T00:00:00Z, in increasing order.
"""
import csv
import json
import random
import sys

START = 1772323200  # 2026-03-01T00:00:00Z


def main():
    n = int(sys.argv[1])
    rnd = random.Random(20260301)
    hosts = ["h%02d" % i for i in range(1, 13)]
    host_w = [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
    users = ["u%03d" % i for i in range(1, 51)]
    nets = [(10, 1), (10, 2), (172, 16), (172, 20), (192, 168), (203, 0)]
    ports = [22, 25, 53, 80, 443, 3389, 8080]
    port_w = [10, 3, 15, 20, 40, 5, 7]
    actions = ["allow", "deny", "drop"]
    action_w = [70, 20, 10]
    # Fixed counts, so that top and rare meet ties: 5000 5000 3000 3000 2000 2000.
    cats = []
    for name, share in (("web", 25), ("db", 25), ("mail", 15), ("dns", 15), ("vpn", 10), ("ftp", 10)):
        cats += [name] * (n * share // 100)
    while len(cats) < n:
        cats.append("web")
    rnd.shuffle(cats)
    sessions = ["%08x" % rnd.getrandbits(32) for _ in range(500)]

    with open(sys.argv[2], "w") as jf, open(sys.argv[3], "w", newline="") as cf:
        w = csv.writer(cf, lineterminator="\n")
        w.writerow(["ts", "host", "user", "ip", "ip_int", "port", "bytes", "rtt", "action",
                    "category", "sid"])
        for i in range(n):
            ts = START + i * 12 + rnd.randrange(12)
            host = rnd.choices(hosts, host_w)[0]
            user = rnd.choice(users) if rnd.random() >= 0.1 else None
            a, b = rnd.choice(nets)
            c, d = rnd.randrange(256), rnd.randrange(1, 255)
            ip = "%d.%d.%d.%d" % (a, b, c, d)
            ip_int = ((a * 256 + b) * 256 + c) * 256 + d
            port = rnd.choices(ports, port_w)[0]
            nbytes = int(rnd.lognormvariate(8, 2)) % 5000000
            rtt = rnd.randrange(1, 100000) / 1000.0 + 0.0005
            rtt = round(rtt, 4)
            action = rnd.choices(actions, action_w)[0]
            sid = rnd.choice(sessions)
            iso = "%sZ" % __import__("datetime").datetime.utcfromtimestamp(ts).isoformat()
            ev = {"@timestamp": iso, "host": {"name": host}}
            if user is not None:
                ev["user"] = {"name": user}
            ev.update({
                "source": {"ip": ip},
                "destination": {"port": port},
                "bytes": nbytes,
                "rtt": rtt,
                "action": action,
                "category": cats[i],
                "msg": "conn %s session=%s code=E%d" % (action, sid, port % 7),
            })
            jf.write(json.dumps(ev, separators=(",", ":")) + "\n")
            w.writerow([ts, host, "" if user is None else user, ip, ip_int, port, nbytes,
                        "%.4f" % rtt, action, cats[i], sid])


if __name__ == "__main__":
    main()
