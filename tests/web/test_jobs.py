"""The job queue: one worker process, one run per client, a bounded queue, cancel that ends
the solve and removes its folder, and failures that are states, not crashes."""

from __future__ import annotations

import json
import time

import pytest

from immunoreset.web import Busy, JobQueue

from .runners import fake


@pytest.fixture
def queue(tmp_path):
    q = JobQueue(tmp_path, max_active=3, keep_per_client=2, runner=fake, warm=False)
    q.start()
    yield q
    q.stop()


def _wait_for(predicate, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def _pid(job) -> int:
    return json.loads((job.folder / "view.json").read_text())["pid"]


def test_a_job_runs_in_the_worker_and_reports_its_progress(queue, tmp_path) -> None:
    job = queue.submit("a", "trial", "t", {"mode": "write", "steps": 4})
    assert job.folder.parent == tmp_path and not job.folder.exists()
    done = queue.wait(job.id, 20)
    assert done is not None and done.state == "done", done.message
    assert (done.done, done.total, done.percent) == (4, 4, 100.0)
    assert sorted(p.name for p in job.folder.iterdir()) == ["a.csv", "view.json"]
    import os

    assert _pid(job) != os.getpid()  # solved in the worker process


def test_one_run_per_client_and_a_bounded_queue(queue) -> None:
    first = queue.submit("a", "trial", "long", {"mode": "sleep", "steps": 50, "seconds": 0.1})
    with pytest.raises(Busy, match=r"you already have a run in progress \(long, (queued|running)\)"):
        queue.submit("a", "patient", "second", {"mode": "write"})
    queue.submit("b", "trial", "t", {"mode": "write"})
    queue.submit("c", "trial", "t", {"mode": "write"})
    with pytest.raises(Busy, match=r"the server is busy: 3 runs are queued or running \(the limit "
                                   r"is 3\); try again in a minute"):
        queue.submit("d", "trial", "t", {"mode": "write"})
    assert queue.cancel(first.id, "a")
    assert queue.wait(first.id, 20).state == "cancelled"


def test_clients_see_only_their_own_jobs(queue) -> None:
    job = queue.submit("a", "trial", "t", {"mode": "write"})
    assert queue.job(job.id, "a") is job
    assert queue.job(job.id, "b") is None
    assert not queue.cancel(job.id, "b")
    assert [j.id for j in queue.jobs("a")] == [job.id] and queue.jobs("b") == []


def test_cancel_ends_the_running_solve_removes_its_folder_and_a_fresh_worker_goes_on(queue) -> None:
    before = queue.submit("a", "trial", "t", {"mode": "write"})
    assert queue.wait(before.id, 20).state == "done"
    job = queue.submit("a", "trial", "long", {"mode": "sleep", "steps": 100, "seconds": 0.1})
    assert _wait_for(lambda: job.state == "running" and job.done >= 2)
    assert job.folder.is_dir()  # the run has started writing
    assert queue.cancel(job.id, "a")
    assert queue.wait(job.id, 20).state == "cancelled"
    assert job.message == "cancelled while running" and job.done < 100
    assert not job.folder.exists()
    after = queue.submit("a", "trial", "t", {"mode": "write"})
    assert queue.wait(after.id, 20).state == "done"
    assert _pid(after) != _pid(before)  # the worker that ran the cancelled solve was ended


def test_a_queued_job_is_cancelled_before_it_starts(queue) -> None:
    queue.submit("a", "trial", "long", {"mode": "sleep", "steps": 100, "seconds": 0.1})
    waiting = queue.submit("b", "trial", "t", {"mode": "write"})
    assert waiting.state == "queued"
    assert queue.cancel(waiting.id, "b")
    assert waiting.state == "cancelled" and waiting.message == "cancelled before it started"
    assert not queue.cancel(waiting.id, "b")  # finished jobs are not cancelled again


@pytest.mark.parametrize(("mode", "state", "message"), [
    ("refuse", "refused", "population.n_per_arm: got 0, expected an integer >= 1"),
    ("fail", "failed", "RuntimeError: boom"),
    ("crash", "failed", "the worker process ended (exit code 3)"),
])
def test_failures_are_states_and_the_next_run_goes_on(queue, mode, state, message) -> None:
    job = queue.submit("a", "trial", "t", {"mode": mode})
    assert queue.wait(job.id, 20).state == state
    assert job.message == message
    assert not job.folder.exists()
    nxt = queue.submit("a", "trial", "t", {"mode": "write"})
    assert queue.wait(nxt.id, 20).state == "done"


def test_old_runs_of_a_client_are_pruned_with_their_folders(queue) -> None:
    jobs = []
    for _ in range(3):
        jobs.append(queue.submit("a", "trial", "t", {"mode": "write"}))
        assert queue.wait(jobs[-1].id, 20).state == "done"
    queue.submit("a", "trial", "t", {"mode": "write"})  # keep_per_client=2: the oldest go
    assert queue.job(jobs[0].id, "a") is None and not jobs[0].folder.exists()
    assert queue.job(jobs[2].id, "a") is not None and jobs[2].folder.exists()


def test_stopping_cancels_what_is_unfinished(tmp_path) -> None:
    q = JobQueue(tmp_path, runner=fake, warm=False)
    q.start()
    job = q.submit("a", "trial", "long", {"mode": "sleep", "steps": 100, "seconds": 0.1})
    assert _wait_for(lambda: job.state == "running")
    q.stop()
    assert job.state == "cancelled" and job.message == "the server stopped"
    with pytest.raises(Busy, match="the server is stopping"):
        q.submit("b", "trial", "t", {"mode": "write"})
