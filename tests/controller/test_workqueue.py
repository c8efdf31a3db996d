from __future__ import annotations

import threading
import time
from collections import Counter

from instance_operator.controller.workqueue import WorkQueue


class Recorder:
    def __init__(self, hold: float = 0.0, requeue: float | None = None) -> None:
        self.calls: Counter[str] = Counter()
        self.active: set[str] = set()
        self.overlaps = 0
        self.hold = hold
        self.requeue = requeue
        self.lock = threading.Lock()

    def __call__(self, key: str) -> float | None:
        with self.lock:
            if key in self.active:
                self.overlaps += 1
            self.active.add(key)
            self.calls[key] += 1
        time.sleep(self.hold)
        with self.lock:
            self.active.discard(key)
        return self.requeue


def wait_until(predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_requests_for_a_queued_key_merge() -> None:
    recorder = Recorder(hold=0.05)
    queue: WorkQueue[str] = WorkQueue(recorder, workers=1)
    queue.add("busy")  # occupies the only worker
    for _ in range(10):
        queue.add("a")
    queue.start()
    queue.submit("a").result(timeout=5)
    wait_until(lambda: queue.pending() == 0)
    queue.stop()
    assert recorder.calls["a"] == 1


def test_a_key_never_runs_twice_at_once_and_reruns_if_asked_meanwhile() -> None:
    recorder = Recorder(hold=0.5)  # long enough to be seen running on a loaded machine
    queue: WorkQueue[str] = WorkQueue(recorder, workers=4)
    queue.start()
    queue.add("a")
    wait_until(lambda: "a" in recorder.active)
    queue.add("a")  # while running: one more run afterwards, not in parallel
    queue.add("a")
    wait_until(lambda: recorder.calls["a"] == 2 and queue.pending() == 0)
    wait_until(lambda: not recorder.active)
    time.sleep(0.2)  # a third run would have started by now
    queue.stop()
    assert recorder.calls["a"] == 2
    assert recorder.overlaps == 0


def test_submit_resolves_after_a_run_that_started_later() -> None:
    recorder = Recorder(hold=0.05)
    queue: WorkQueue[str] = WorkQueue(recorder, workers=2)
    queue.start()
    futures = [queue.submit(k) for k in "abc"]
    for future in futures:
        future.result(timeout=5)
    assert set(recorder.calls) == {"a", "b", "c"}
    queue.stop()


def test_processing_result_requeues_after_the_delay() -> None:
    recorder = Recorder(requeue=0.05)
    queue: WorkQueue[str] = WorkQueue(recorder, workers=1)
    queue.start()
    queue.add("a")
    wait_until(lambda: recorder.calls["a"] >= 3)
    queue.stop()


def test_immediate_add_supersedes_a_scheduled_retry_and_forget_drops_it() -> None:
    recorder = Recorder()
    queue: WorkQueue[str] = WorkQueue(recorder, workers=1)
    queue.start()
    queue.add_after("a", 60)
    queue.add("a")
    wait_until(lambda: recorder.calls["a"] == 1)
    queue.add_after("b", 1.0)  # a second to forget it in, however slow the machine
    queue.forget("b")
    time.sleep(1.5)
    queue.stop()
    assert recorder.calls == Counter({"a": 1})


def test_a_crashing_reconcile_does_not_kill_the_worker() -> None:
    seen: list[str] = []

    def process(key: str) -> None:
        seen.append(key)
        if key == "bad":
            raise RuntimeError("bug")

    queue: WorkQueue[str] = WorkQueue(process, workers=1)
    queue.start()
    queue.submit("bad").result(timeout=5)
    queue.submit("good").result(timeout=5)
    queue.stop()
    assert seen[:2] == ["bad", "good"]
