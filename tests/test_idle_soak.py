"""bench.idle_soak's arithmetic: the slope, the summary and what counts as flat."""

from __future__ import annotations

import os

import pytest

from bench.idle_soak import Sample, read_sample, slope_per_hour, summarise, verdict


def samples(rss: list[float], fds: list[int], threads: list[int]) -> list[Sample]:
    return [
        Sample(float(minute), r, f, t)
        for minute, (r, f, t) in enumerate(zip(rss, fds, threads, strict=True))
    ]


def test_the_slope_is_per_hour_from_samples_a_minute_apart() -> None:
    assert slope_per_hour([0, 1, 2, 3], [100.0, 100.1, 100.2, 100.3]) == pytest.approx(6.0)
    assert slope_per_hour([0, 1, 2], [5.0, 5.0, 5.0]) == 0.0
    assert slope_per_hour([0], [5.0]) == 0.0


def test_a_soak_that_ends_where_it_began_is_flat() -> None:
    run = samples([146.0, 146.2, 146.0, 146.1], [16, 17, 16, 16], [9, 9, 10, 9])
    series = summarise(run)
    assert [(s.name, s.first, s.last, s.largest) for s in series] == [
        ("RSS", 146.0, 146.1, 146.2),
        ("file descriptors", 16.0, 16.0, 17.0),
        ("threads", 9.0, 9.0, 10.0),
    ]
    assert verdict(series) == []


def test_a_leaking_descriptor_a_growing_thread_count_and_creeping_memory_are_not_flat() -> None:
    run = samples([100.0, 101.0, 102.0, 103.0], [16, 17, 18, 19], [9, 9, 9, 12])
    assert verdict(summarise(run)) == [
        "RSS grows 60.00 MB/h (limit 2)",
        "file descriptors: 16 at the start, 19 at the end",
        "file descriptors: rose to 19 from 16",
        "threads: 9 at the start, 12 at the end",
        "threads: rose to 12 from 9",
    ]


def test_a_sample_of_this_process_reads_its_memory_descriptors_and_threads() -> None:
    sample = read_sample(os.getpid(), 0.0)
    assert sample.rss_mb > 1
    assert sample.fds >= 3
    assert sample.threads >= 1
    with pytest.raises(ProcessLookupError):
        read_sample(2**22 + 1, 0.0)  # above pid_max's ceiling: never a live process
