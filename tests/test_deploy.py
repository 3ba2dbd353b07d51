"""deploy/: the Dockerfile installs and starts the bot the way the README does, its HEALTHCHECK
works, JSON logs are one object per line, and SIGTERM mid-guide finishes the updates in flight,
exits 0 within 10 s and loses nothing.

There is no Docker daemon here, so the image is emulated: the build stage's COPY and RUN steps
run in a temporary folder (paths under /opt and /data live under a temporary root), then the
runtime stage's ENTRYPOINT and CMD start the bot with the runtime stage's ENV.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from bot.engine import Guide
from tests.conftest import REPO
from tests.fakebotapi import FakeBotAPI
from tests.telegram.conftest import Person, free_port
from tests.telegram.walking import walk

DOCKERFILE = REPO / "deploy" / "Dockerfile"
FINAL = {
    "stage": "final",
    "role_status": "unknown",
    "time_since": "recent",
    "feedback": "vague",
    "new_material": "none",
    "contact": "strong",
    "goal": "this_role",
}


@dataclass
class Stage:
    base: str
    steps: list[tuple[str, str]] = field(default_factory=list)

    def all(self, instruction: str) -> list[str]:
        return [args for name, args in self.steps if name == instruction]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for args in self.all("ENV"):
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                values[key] = re.sub(
                    r"\$(\w+)|\$\{(\w+)\}", lambda m: values.get(m[1] or m[2], f"${m[1] or m[2]}"), value
                )
        return values


def parse_dockerfile(text: str) -> list[Stage]:
    """The stages of a Dockerfile: instructions with their arguments, continuations joined."""
    stages: list[Stage] = []
    logical = re.sub(r"\\\n", " ", text)
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, args = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            stages.append(Stage(base=args.split()[0]))
        else:
            stages[-1].steps.append((instruction, args.strip()))
    return stages


def reroot(value: str, root: Path) -> str:
    """/opt/... and /data... inside a value, moved under `root`."""
    return re.sub(r"/(opt|data)(?=[/:\"]|$)", lambda m: f"{root}/{m[1]}", value)


@dataclass
class Image:
    root: Path
    runtime: Stage
    env: dict[str, str]
    workdir: Path

    def command(self, cmd: list[str] | None = None) -> list[str]:
        entrypoint = json.loads(self.runtime.all("ENTRYPOINT")[-1])
        return entrypoint + (cmd if cmd is not None else json.loads(self.runtime.all("CMD")[-1]))

    def healthcheck(self) -> list[str]:
        args = self.runtime.all("HEALTHCHECK")[-1]
        return json.loads(args.partition(" CMD ")[2])


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    """The build stage run for real: the README's install into a fresh virtual environment."""
    stages = parse_dockerfile(DOCKERFILE.read_text())
    assert len(stages) == 2, "multi-stage: build, then runtime"
    build, runtime = stages
    assert build.base == runtime.base and "slim" in runtime.base
    root = tmp_path_factory.mktemp("image")
    shims = root / "shims"
    shims.mkdir()
    (shims / "python").symlink_to(sys.executable)  # the base image's `python`
    src = root / build.all("WORKDIR")[-1].lstrip("/")
    src.mkdir(parents=True)
    env = {key: os.environ[key] for key in ("HOME", "LANG") if key in os.environ}
    env["PATH"] = f"{shims}:{os.environ['PATH']}"
    for name, args in build.steps:
        if name == "ENV":
            env.update({key: reroot(value, root) for key, value in build.env().items()})
            env.pop("PIP_NO_CACHE_DIR", None)  # the image keeps no pip cache; this machine may use its own
        elif name == "COPY":
            *sources, dest = args.split()
            target = src / dest
            for source in sources:
                origin = REPO / source
                if origin.is_dir():
                    shutil.copytree(
                        origin,
                        src / Path(dest),
                        dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"),
                    )
                else:
                    shutil.copy(origin, target if dest.endswith("/") or dest == "./" else target)
        elif name == "RUN":
            done = subprocess.run(
                ["/bin/sh", "-c", args], cwd=src, env=env, capture_output=True, text=True, timeout=600
            )
            assert done.returncode == 0, done.stderr[-3000:]
    copied = [args for name, args in runtime.steps if name == "COPY"]
    assert copied == ["--from=build /opt/reconsider-bot /opt/reconsider-bot"], "only the venv reaches runtime"
    runtime_env = {key: reroot(value, root) for key, value in runtime.env().items()}
    runtime_env["PATH"] = runtime_env["PATH"].replace("$PATH", "/usr/bin:/bin")
    user = runtime.all("USER")[-1]
    assert user.split(":")[0] not in ("root", "0"), "runs as an unprivileged user"
    assert runtime.all("VOLUME") == ['["/data"]']
    data = Path(reroot(runtime.all("WORKDIR")[-1], root))
    data.mkdir(parents=True, exist_ok=True)
    return Image(root, runtime, runtime_env, data)


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    server = FakeBotAPI().start_in_thread()
    yield server
    server.stop_thread()


class Container:
    """The image's command as a process, with the fake Bot API and a free ops port."""

    def __init__(self, image: Image, fake: FakeBotAPI, name: str, **extra: str) -> None:
        self.image = image
        self.port = free_port()
        self.env = {
            **image.env,
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "METRICS_LISTEN": "127.0.0.1",
            "METRICS_PORT": str(self.port),
            **extra,
        }
        self.log_path = image.root / f"{name}.log"
        self._log: IO[Any] = self.log_path.open("w")
        self.process = subprocess.Popen(
            image.command(), cwd=image.workdir, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, self.log_path.read_text()
            check = subprocess.run(
                self.image.healthcheck(), env=self.env, capture_output=True, text=True, timeout=10
            )
            if check.returncode == 0:
                return
            assert time.monotonic() < deadline, check.stderr
            time.sleep(0.1)

    def ready(self) -> str:
        check = subprocess.run(
            self.image.healthcheck() + ["--ready"], env=self.env, capture_output=True, text=True, timeout=10
        )
        assert check.returncode == 0, check.stderr
        return check.stdout

    def terminate(self, signum: int = signal.SIGTERM) -> tuple[int, float]:
        started = time.monotonic()
        self.process.send_signal(signum)
        code = self.process.wait(20)
        self._log.close()
        return code, time.monotonic() - started

    @property
    def output(self) -> str:
        return self.log_path.read_text()


def test_the_image_starts_answers_its_healthcheck_and_logs_json(
    image: Image, fake: FakeBotAPI, guide: Guide
) -> None:
    assert (image.root / "opt" / "reconsider-bot" / "bin" / "reconsider-bot").is_file()
    bot = Container(image, fake, "json", LOG_FORMAT="json")
    bot.healthy()
    assert "ready" in bot.ready()
    ann = Person(fake, fake.user(2001, "Ann"))
    messages = fake.run(walk(guide, ann, FINAL, {"company": "Acme"}), timeout=60)
    assert "Acme" in "\n".join(m.text for m in messages)
    code, _ = bot.terminate()
    assert code == 0
    assert list(image.workdir.glob("reconsider.sqlite3")), "the data lives in the volume's folder"
    lines = bot.output.splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    handled = [e for e in entries if "update_id" in e]
    assert len(handled) >= len(FINAL) + 2
    for entry in handled:
        assert re.fullmatch(r"[0-9a-f]{12}", entry["chat"]) and entry["outcome"] == "ok"
        assert entry["handler"] in ("/start", "button:answer", "button:proceed", "button:skip", "text")
        assert entry["latency_ms"] >= 0
    assert str(ann.id) not in bot.output and "Acme" not in bot.output
    assert fake.token not in bot.output and fake.token.split(":")[1] not in bot.output
    assert fake.violations == []


def test_sigterm_mid_guide_finishes_what_is_in_flight_and_loses_nothing(
    image: Image, fake: FakeBotAPI, guide: Guide, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path}/bot.sqlite3"  # this fake numbers its updates from 1 again
    first = Container(image, fake, "first", DATABASE_URL=database)
    first.healthy()
    people = [Person(fake, fake.user(3000 + n, f"P{n}")) for n in range(6)]
    for person in people:
        fake.run(person.send("/start", expect="1/7"))
        fake.run(person.tap("After the final round", expect="2/7"))
    polls = fake.method_counts["getUpdates"]
    marks = [person.mark() for person in people]
    taps = [person.user.press_button("I'm not sure")["update_id"] for person in people]  # all at once
    deadline = time.monotonic() + 10
    while fake.method_counts["getUpdates"] == polls:  # the bot has taken some: they are in flight
        assert time.monotonic() < deadline
        time.sleep(0.001)
    told_to_stop = time.monotonic()
    code, seconds = first.terminate()
    assert code == 0 and seconds < 10, first.output
    taken = {
        update["update_id"]
        for call in fake.calls_of("getUpdates")
        if call.started < told_to_stop
        for update in call.response.get("result", [])
    }
    in_flight = [n for n, update_id in enumerate(taps) if update_id in taken]
    assert in_flight, "the process was stopped with updates in hand"
    for n in in_flight:  # each update it had taken was finished (shown) before it exited
        assert any("3/7" in m.text for m in people[n].since(marks[n])), first.output
    assert "Traceback" not in first.output and " ERROR " not in first.output

    second = Container(image, fake, "second", DATABASE_URL=database)
    second.healthy()
    for person, mark in zip(people, marks, strict=True):  # the taps not taken go to the next process
        fake.run(fake.wait_for_message(person.id, contains="3/7", changed_after=mark))
    fake.run(fake.idle())
    for person, mark in zip(people, marks, strict=True):  # each tap applied exactly once
        assert not any("4/7" in m.text for m in person.since(mark))
    for person in people:
        messages = fake.run(walk(guide, person, {**FINAL}, start=False), timeout=60)
        assert guide.catalog("en").text("ui.tg_result_footer") in messages[-1].text
    assert second.terminate()[0] == 0
    assert fake.violations == [] and fake.unanswered_callback_queries() == []


def test_sigint_stops_cleanly_too(image: Image, fake: FakeBotAPI, tmp_path: Path) -> None:
    bot = Container(image, fake, "sigint", DATABASE_URL=f"sqlite:///{tmp_path}/bot.sqlite3")
    bot.healthy()
    code, seconds = bot.terminate(signal.SIGINT)
    assert code == 0 and seconds < 10 and "Traceback" not in bot.output


def test_compose_kubernetes_and_systemd_agree_with_the_image_and_settings() -> None:
    import yaml

    from bot.settings import SETTINGS

    runtime = parse_dockerfile(DOCKERFILE.read_text())[-1]
    uid = int(runtime.all("USER")[-1].split(":")[0])
    volume = json.loads(runtime.all("VOLUME")[-1])[0]
    known = {name for name, _, _ in SETTINGS}

    minimal = yaml.safe_load((REPO / "deploy" / "compose.minimal.yaml").read_text())["services"]["bot"]
    assert minimal["volumes"] == [f"bot-data:{volume}"]
    assert minimal["environment"]["DATABASE_URL"] == f"sqlite:///{volume}/reconsider.sqlite3"
    assert "WEBHOOK_URL" not in minimal["environment"], "the minimal variant polls"
    full = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text())["services"]
    assert set(full) == {"bot", "db", "proxy"}
    assert full["bot"]["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert full["bot"]["environment"]["WEBHOOK_URL"].endswith("/telegram")
    assert "handle /telegram" in (REPO / "deploy" / "Caddyfile").read_text()
    for service in [minimal, *full.values()]:
        assert service["restart"] == "unless-stopped" and "max-size" in str(service["logging"])
    for compose in (minimal, full["bot"]):
        assert set(compose["environment"]) <= known

    documents = [
        doc
        for path in sorted((REPO / "deploy" / "kubernetes").glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
    ]
    kinds = {doc["kind"]: doc for doc in documents}
    assert set(kinds) == {"ConfigMap", "Deployment", "PodDisruptionBudget", "Secret", "Service"}
    deployment = kinds["Deployment"]["spec"]
    assert deployment["replicas"] == 2
    assert deployment["template"]["spec"]["securityContext"]["runAsUser"] == uid
    [container] = deployment["template"]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert "TELEGRAM_BOT_TOKEN" in kinds["Secret"]["stringData"]
    assert "TELEGRAM_BOT_TOKEN" not in kinds["ConfigMap"]["data"]
    assert set(kinds["ConfigMap"]["data"]) | set(kinds["Secret"]["stringData"]) <= known
    assert "WEBHOOK_URL" in kinds["ConfigMap"]["data"], "replicas need webhook mode"

    unit = (REPO / "deploy" / "systemd" / "reconsider-bot.service").read_text()
    for line in (
        "Restart=on-failure",
        "EnvironmentFile=/etc/reconsider-bot/env",
        "User=reconsider",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
    ):
        assert f"\n{line}\n" in unit, line
    assert "WEBHOOK_URL" not in unit, "the VM unit polls"
