import asyncio
import threading
import time

from certificate.service.common import render_off_loop


async def test_rendering_runs_in_a_worker_thread_and_the_loop_keeps_ticking():
    loop_thread = threading.get_ident()
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    try:

        def slow_render() -> int:
            time.sleep(0.2)  # stands in for reportlab's CPU work
            return threading.get_ident()

        worker_thread = await render_off_loop(slow_render)
    finally:
        task.cancel()
    assert worker_thread != loop_thread
    assert ticks >= 10  # the event loop was free while the document was being drawn
