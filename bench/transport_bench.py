"""Federation transport benchmark: signed FHIR transfers/s between two sandbox gateways on
loopback, next to a plain mTLS keep-alive POST of the same bytes, in the same run.

    PYTHONPATH=src python bench/transport_bench.py                  # 8 s per variant
    PYTHONPATH=src python bench/transport_bench.py --seconds 20 --count 20000
    PYTHONPATH=src python bench/transport_bench.py --profile 300    # cProfile the gateway path
    PYTHONPATH=src python bench/transport_bench.py --stages 300     # CPU per stage, unprofiled

A sandbox federation (``write_sandbox``) in a temporary directory; the sending gateway is the
daycare ``bh-solsikken``, the receiving one the school ``skole-valby``, both opened with
``Gateway.open`` in this process, each checking the sandbox's CRL (``tls.crl_file``) as the
delivery runtime does. Two listeners run on 127.0.0.1 with the receiver's
``federation_server_config`` (mTLS, client certificate required, federation CA only):

- the receiver's federation app (``create_federation_app`` + ``GatewayInbox``), as a node
  starts it (no local API, no delivery worker);
- a trivial Starlette app on the same TLS configuration whose one route reads the body and
  answers 200 with no body.

*gateway*, one transfer, everything inside the timed loop: a fresh ``Message`` (the sample of
``--kind`` with a new ``message_id``) → ``render_signed`` (FHIR Bundle, validation, ES256 JWS)
→ ``HttpxTransport.send`` (keep-alive mTLS POST) → receiver: caller identity from its
certificate, sender check, signature check, duplicate check, inbound policy check, storage,
evidence log entry, acknowledgement → the sender parses the acknowledgement, which must be
``ok``.

*plain*, one transfer: ``httpx.Client.post`` of the bytes of one rendered message of the same
kind, with the same client ``SSLContext`` (same certificate and CA) and keep-alive, to the
trivial app; status must be 200.

The consent message is sent once before timing (so the receiver knows the consent); then a
short warm-up on both paths. Timing alternates ``--rounds`` blocks of each variant (G P, P G,
G P, …); each block is bounded by ``--seconds``/``--rounds`` and ``--count``/``--rounds``.
Process CPU time per transfer is shown too (client and server share this process, so it
is the whole cost of a transfer on this machine, and depends less on other load).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ssd_gateway.contracts import FHIR_MEDIA_TYPE, OutboundMessage
from ssd_gateway.gateway.inbox import GatewayInbox
from ssd_gateway.gateway.outbound import render_signed
from ssd_gateway.gateway.runtime import Gateway
from ssd_gateway.logs import configure_logging
from ssd_gateway.model import Message, parse_message
from ssd_gateway.samples import sample_message_data
from ssd_gateway.sandbox import write_sandbox
from ssd_gateway.serving import ServerThread
from ssd_gateway.settings import load_settings
from ssd_gateway.transport.client import HttpxTransport
from ssd_gateway.transport.server import create_federation_app, federation_server_config

SENDER, RECEIVER = "bh-solsikken", "skole-valby"
PLAIN_PATH = "/plain"


def loadavg() -> str:
    """The three load averages of /proc/loadavg."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass
class Block:
    """One timed block of one variant."""

    variant: str
    count: int
    wall: float
    cpu: float
    load: str

    @property
    def rate(self) -> float:
        """Transfers per wall-clock second."""
        return self.count / self.wall

    @property
    def cpu_ms(self) -> float:
        """Process CPU milliseconds per transfer (client and server together)."""
        return 1000 * self.cpu / self.count


class Bench:
    """Two sandbox gateways, the two listeners and the two clients."""

    def __init__(self, root: Path, kind: str) -> None:
        sandbox = {g.org_id: g for g in write_sandbox(root)}
        self.sender = Gateway.open(load_settings(sandbox[SENDER].config))
        self.receiver = Gateway.open(load_settings(sandbox[RECEIVER].config))
        tls, listen = self.receiver.settings.tls, self.receiver.settings.listen
        assert tls.cert_file and tls.key_file and tls.ca_file
        federation = create_federation_app(self.receiver.directory, self.receiver.trust,
                                           GatewayInbox(self.receiver), signer=self.receiver.key)
        self.federation = ServerThread(federation_server_config(
            federation, cert_file=tls.cert_file, key_file=tls.key_file, ca_file=tls.ca_file,
            host="127.0.0.1", port=listen.federation_port))
        self.plain_server = ServerThread(federation_server_config(
            plain_app(), cert_file=tls.cert_file, key_file=tls.key_file, ca_file=tls.ca_file,
            host="127.0.0.1", port=0))
        own = self.sender.settings.tls
        assert own.cert_file and own.key_file and own.ca_file
        self.transport = HttpxTransport(self.sender.directory, ca_file=own.ca_file,
                                        cert_file=own.cert_file, key_file=own.key_file,
                                        crl_file=own.crl_file)
        data = sample_message_data(date.today())
        self.consent = parse_message(data["consent"])
        self.message = parse_message(data[kind])
        self.plain: httpx.Client | None = None
        self.plain_body = b""

    def start(self) -> None:
        """Start both listeners, introduce the consent, open the plain client."""
        self.federation.start()
        self.plain_server.start()
        self.transfer(self.consent)
        self.plain_body = render_signed(self.fresh(self.message), "fhir", self.sender.key).body
        self.plain = httpx.Client(
            base_url=f"https://127.0.0.1:{self.plain_server.port}",
            verify=self.transport.ssl_context, timeout=httpx.Timeout(30.0, connect=5.0),
            limits=httpx.Limits(max_connections=4, max_keepalive_connections=4),
            trust_env=False, follow_redirects=False)

    def stop(self) -> None:
        """Close clients, listeners and databases."""
        if self.plain is not None:
            self.plain.close()
        self.transport.close()
        self.plain_server.stop()
        self.federation.stop()
        self.sender.close()
        self.receiver.close()

    @staticmethod
    def fresh(message: Message) -> Message:
        """``message`` as a new logical message (new ``message_id``)."""
        return message.model_copy(update={"message_id": f"bench-{uuid.uuid4()}"})

    def transfer(self, message: Message) -> None:
        """One gateway transfer of a fresh copy of ``message``; the answer must be ok."""
        rendered = render_signed(self.fresh(message), "fhir", self.sender.key)
        ack = self.transport.send(OutboundMessage(
            f"t-{rendered.bundle_id}", RECEIVER, "fhir", rendered.body,
            rendered.message_header_id, rendered.bundle_id))
        if ack.code != "ok":
            raise SystemExit(f"gateway answered {ack.code}: {[p.code for p in ack.issues]}")

    def gateway_once(self) -> None:
        """One transfer on the gateway path."""
        self.transfer(self.message)

    def plain_once(self) -> None:
        """One POST on the plain path."""
        assert self.plain is not None
        response = self.plain.post(PLAIN_PATH, content=self.plain_body,
                                   headers={"content-type": FHIR_MEDIA_TYPE,
                                            "accept": FHIR_MEDIA_TYPE})
        if response.status_code != 200:
            raise SystemExit(f"plain endpoint answered {response.status_code}")


def plain_app() -> Starlette:
    """Reads the body, answers 200."""
    async def plain(request: Request) -> Response:
        await request.body()
        return Response(status_code=200)

    return Starlette(routes=[Route(PLAIN_PATH, plain, methods=["POST"])])


def run_block(variant: str, once: Callable[[], None], count: int, seconds: float) -> Block:
    """Run ``once`` until ``count`` transfers or ``seconds`` have passed."""
    load = loadavg()
    done = 0
    cpu0 = time.process_time()
    start = time.perf_counter()
    deadline = start + seconds
    while done < count:
        once()
        done += 1
        if time.perf_counter() >= deadline:
            break
    wall = time.perf_counter() - start
    return Block(variant, done, wall, time.process_time() - cpu0, load)


@contextmanager
def temporary_root() -> Iterator[Path]:
    """A temporary directory for the sandbox, removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="ssd-transport-bench-"))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def profile(bench: Bench, count: int, top: int) -> None:
    """cProfile ``count`` gateway transfers: the sending thread, and the receiver's handler
    (``FederationEndpoint.handle``, run in a worker thread) with a second profiler."""
    endpoint = bench.federation.server.config.app.state.endpoint
    server_profile = cProfile.Profile()
    handle = endpoint.handle

    def profiled(*args: Any) -> Any:
        server_profile.enable()
        try:
            return handle(*args)
        finally:
            server_profile.disable()

    endpoint.handle = profiled
    client_profile = cProfile.Profile()
    start = time.perf_counter()
    client_profile.enable()
    for _ in range(count):
        bench.gateway_once()
    client_profile.disable()
    wall = time.perf_counter() - start
    endpoint.handle = handle
    print(f"\nprofiled {count} gateway transfers in {wall:.2f} s "
          f"({1000 * wall / count:.2f} ms each, under the profiler)")
    for name, prof in (("sending thread", client_profile),
                       ("receiver: FederationEndpoint.handle (worker thread)", server_profile)):
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out).strip_dirs().sort_stats("cumulative")
        stats.print_stats(top)
        print(f"\n=== {name}: cumulative ===\n{out.getvalue()}")
        out = io.StringIO()
        pstats.Stats(prof, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
        print(f"=== {name}: own time ===\n{out.getvalue()}")


#: (label, object path from the Bench, method): the stages ``--stages`` times
STAGES = (
    ("sender: render, validate, sign (all three)", "module", "render_signed"),
    ("sender: fhir.resources structural validation", "validation", "structural_problems"),
    ("sender: project invariants", "validation", "check_invariants"),
    ("sender: HttpxTransport.send (client side, ack verified)", "transport", "send"),
    ("receiver: FederationEndpoint.handle (all below)", "endpoint", "handle"),
    ("receiver: identity, sender and signature checks", "endpoint", "verify"),
    ("receiver: GatewayInbox.receive (one transaction)", "inbox", "receive"),
    ("receiver: duplicate lookup", "answers", "seen"),
    ("receiver: read the Bundle into a Message", "inbox_module", "read_message"),
    ("receiver: inbound policy decision", "gateway", "decide"),
    ("receiver: evidence entries", "gateway", "record"),
    ("receiver: registry effects", "effects", "after_receive"),
    ("receiver: acknowledgement rendered and signed", "inbox", "_render"),
)


def stages(bench: Bench, count: int) -> None:
    """Thread CPU per transfer of each stage (no profiler), over ``count`` transfers."""
    import ssd_gateway.fhir.validation as validation
    import ssd_gateway.gateway.inbox as inbox_module

    endpoint = bench.federation.server.config.app.state.endpoint
    owners: dict[str, Any] = {
        "module": sys.modules[__name__], "transport": bench.transport, "endpoint": endpoint,
        "inbox": endpoint.inbox, "answers": endpoint.inbox.answers,
        "inbox_module": inbox_module, "gateway": bench.receiver,
        "effects": inbox_module.effects, "validation": validation}
    spent: dict[str, float] = dict.fromkeys((label for label, _, _ in STAGES), 0.0)
    for label, owner, name in STAGES:
        _time_calls(owners[owner], name, label, spent)
    cpu0 = time.process_time()
    for _ in range(count):
        bench.gateway_once()
    total = 1000 * (time.process_time() - cpu0) / count
    print(f"\n{count} gateway transfers, process CPU {total:.2f} ms per transfer "
          "(all threads)\n\n| stage | thread CPU ms per transfer |\n|---|---|")
    for label, value in spent.items():
        print(f"| {label} | {1000 * value / count:.3f} |")


def _time_calls(owner: Any, name: str, label: str, spent: dict[str, float]) -> None:
    """Replace ``owner.name`` by a wrapper adding its thread CPU time to ``spent[label]``."""
    inner = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[label] += time.thread_time() - start

    setattr(owner, name, timed)


def main() -> None:
    """Parse the options, set up, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0,
                        help="time budget per variant, split over the rounds (default 8)")
    parser.add_argument("--count", type=int, default=20000,
                        help="most transfers per variant, split over the rounds (default 20000)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="blocks per variant, alternating (default 4)")
    parser.add_argument("--warmup", type=int, default=30,
                        help="untimed transfers per variant first (default 30)")
    parser.add_argument("--kind", default="consent", choices=["consent", "stafetlog"],
                        help="sample message sent daycare → school (default consent)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="instead of timing, cProfile N gateway transfers")
    parser.add_argument("--top", type=int, default=30, help="rows per profile listing")
    parser.add_argument("--stages", type=int, default=0, metavar="N",
                        help="instead of timing, thread CPU per stage over N transfers")
    args = parser.parse_args()
    rounds = max(1, args.rounds)
    per_count = max(1, args.count // rounds)
    per_seconds = args.seconds / rounds

    with temporary_root() as root:
        # As a served gateway logs in production: JSON lines to a file (one per message).
        configure_logging("json", log_file=root / "gateway.log")
        bench = Bench(root, args.kind)
        try:
            bench.start()
            for _ in range(args.warmup):
                bench.gateway_once()
                bench.plain_once()
            if args.profile:
                profile(bench, args.profile, args.top)
                return
            if args.stages:
                stages(bench, args.stages)
                return
            variants = {"gateway": bench.gateway_once, "plain": bench.plain_once}
            blocks: list[Block] = []
            for n in range(rounds):
                order = ["gateway", "plain"] if n % 2 == 0 else ["plain", "gateway"]
                for variant in order:
                    blocks.append(run_block(variant, variants[variant], per_count,
                                            per_seconds))
            report(args, bench, blocks)
        finally:
            bench.stop()


def report(args: argparse.Namespace, bench: Bench, blocks: list[Block]) -> None:
    """Print the per-block table and the totals."""
    cpu_model = next((line.split(":", 1)[1].strip() for line in
                      Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "?")
    print(f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · nproc {os.cpu_count()} · {cpu_model}")
    print(f"kind {args.kind} · body {len(bench.plain_body)} bytes · --seconds {args.seconds} "
          f"--count {args.count} --rounds {args.rounds}")
    print("\n| block | variant | transfers | wall s | transfers/s | CPU ms/transfer | loadavg |")
    print("|---|---|---|---|---|---|---|")
    for n, b in enumerate(blocks, 1):
        print(f"| {n} | {b.variant} | {b.count} | {b.wall:.2f} | {b.rate:,.1f} | "
              f"{b.cpu_ms:.2f} | {b.load} |")
    totals = {}
    for variant in ("gateway", "plain"):
        mine = [b for b in blocks if b.variant == variant]
        count, wall = sum(b.count for b in mine), sum(b.wall for b in mine)
        cpu = sum(b.cpu for b in mine)
        totals[variant] = (count, wall, count / wall, 1000 * cpu / count)
    print("\n| variant | transfers | wall s | transfers/s | CPU ms/transfer |")
    print("|---|---|---|---|---|")
    for variant, (count, wall, rate, cpu_ms) in totals.items():
        print(f"| {variant} | {count} | {wall:.2f} | **{rate:,.1f}** | {cpu_ms:.2f} |")
    ratio = totals["gateway"][2] / totals["plain"][2]
    cpu_ratio = totals["plain"][3] / totals["gateway"][3]
    goal = "met" if ratio >= 0.40 else "NOT met"
    print(f"\nratio gateway/plain: **{100 * ratio:.1f} %** of the plain mTLS rate "
          f"(goal ≥ 40 %: {goal}); by CPU per transfer: {100 * cpu_ratio:.1f} %")
    print(f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB · "
          f"loadavg after {loadavg()}")


if __name__ == "__main__":
    main()
