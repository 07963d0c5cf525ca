#!/usr/bin/python3
"""Writes the v0.8.2-style result files under testdata/ (run it from there).

The files are synthetic: request timings come from a small closed-loop
model below, not from a server. What is faithful is the shape, written from
the definitions in vLLM v0.8.2's benchmarks/benchmark_serving.py:

  * the keys and their order: date, backend, model_id, tokenizer_id,
    num_prompts, request_rate ("inf" when unlimited), burstiness,
    max_concurrency, then duration, completed, total_input_tokens,
    total_output_tokens, request_throughput, "request_goodput:" (sic, with
    the colon; null without --goodput), output_throughput,
    total_token_throughput, the per-request arrays input_lens, output_lens,
    ttfts, itls, generated_texts, errors (saved with every --save-result in
    v0.8.2: its --save-detailed check ran before the arrays were merged in),
    then mean/median/std/p<N> of each --percentile-metrics metric in ms;
  * units: ttfts, itls and latencies in seconds in the arrays, ms in the
    summary;
  * a failed request: ttft 0.0, itls [], output_len 0, "" text and an error
    string (a traceback, or the HTTP reason phrase);
  * the summary computed as calculate_metrics does, with numpy: over
    successful requests only; TPOT per request (latency - ttft) /
    (output_len - 1) where output_len > 1, with latency the time of the
    [DONE] line (after the last token, so TTFT + sum(ITLs) falls a little
    short of it); ITL pooled over requests; np.percentile (linear); np.std
    (ddof 0); goodput from ttft/tpot SLOs in ms.

Needs numpy (Debian: python3-numpy). The Go tests never run this script;
they check the import against the numbers it wrote.
"""

import json
import os
import random

import numpy as np


def simulate(rng, n, concurrency, input_len, output_len, ttft_s, itl_s, failures, chunked):
    """Timings of n requests through a closed loop of `concurrency` slots."""
    free = [0.0] * concurrency
    out = []
    for i in range(n):
        slot = min(range(concurrency), key=lambda k: free[k])
        start = free[slot]
        il, ol = input_len(rng), output_len(rng)
        if i in failures:
            free[slot] = start + 0.004 + rng.random() * 0.002
            out.append(dict(prompt_len=il, output_len=0, ttft=0.0, itl=[], latency=0.0,
                            text="", error=failures[i]))
            continue
        ttft = ttft_s(rng)
        gaps = [itl_s(rng) for _ in range(ol - 1)]
        if i in chunked and len(gaps) >= 4:
            # two tokens in one SSE chunk: one gap spans both
            gaps = gaps[:1] + [gaps[1] + gaps[2]] + gaps[3:]
        done = 0.0002 + rng.random() * 0.0008  # the [DONE] line after the last token
        latency = ttft + sum(gaps) + done
        free[slot] = start + latency
        text = "".join(" " + WORDS[(i + k) % len(WORDS)] for k in range(ol))
        out.append(dict(prompt_len=il, output_len=ol, ttft=ttft, itl=gaps, latency=latency,
                        text=text, error=""))
    duration = max(free) + 0.01
    return out, duration


WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]


def metrics(outputs, duration, percentiles, goodput):
    """vLLM v0.8.2's calculate_metrics over the simulated outputs."""
    actual_output_lens, total_input, completed, good = [], 0, 0, 0
    itls, tpots, all_tpots, ttfts, e2els = [], [], [], [], []
    for o in outputs:
        if o["error"] == "":
            output_len = o["output_len"]
            actual_output_lens.append(output_len)
            total_input += o["prompt_len"]
            tpot = 0
            if output_len > 1:
                tpot = (o["latency"] - o["ttft"]) / (output_len - 1)
                tpots.append(tpot)
            all_tpots.append(tpot)
            itls += o["itl"]
            ttfts.append(o["ttft"])
            e2els.append(o["latency"])
            completed += 1
        else:
            actual_output_lens.append(0)
    if goodput:
        for ttft, tpot in zip(ttfts, all_tpots):
            if goodput["ttft"] / 1000 >= ttft and goodput["tpot"] / 1000 >= tpot:
                good += 1
    series = {"ttft": ttfts, "tpot": tpots, "itl": itls, "e2el": e2els}
    summary = {}
    for name, values in series.items():
        summary[name] = dict(
            mean=np.mean(values or 0) * 1000,
            median=np.median(values or 0) * 1000,
            std=np.std(values or 0) * 1000,
            percentiles=[(p, np.percentile(values or 0, p) * 1000) for p in percentiles])
    return dict(completed=completed, total_input=total_input, total_output=sum(actual_output_lens),
                good=good, actual_output_lens=actual_output_lens, summary=summary)


def result_file(path, date, outputs, duration, *, concurrency, num_prompts, percentile_metrics,
                percentiles, goodput):
    m = metrics(outputs, duration, percentiles, goodput)
    r = {
        "date": date,
        "backend": "vllm",
        "model_id": "example-org/example-8b",
        "tokenizer_id": "example-org/example-8b",
        "num_prompts": num_prompts,
        "request_rate": "inf",
        "burstiness": 1.0,
        "max_concurrency": concurrency,
        "duration": duration,
        "completed": m["completed"],
        "total_input_tokens": m["total_input"],
        "total_output_tokens": m["total_output"],
        "request_throughput": m["completed"] / duration,
        "request_goodput:": m["good"] / duration if goodput else None,
        "output_throughput": m["total_output"] / duration,
        "total_token_throughput": (m["total_input"] + m["total_output"]) / duration,
        "input_lens": [o["prompt_len"] for o in outputs],
        "output_lens": m["actual_output_lens"],
        "ttfts": [o["ttft"] for o in outputs],
        "itls": [o["itl"] for o in outputs],
        "generated_texts": [o["text"] for o in outputs],
        "errors": [o["error"] for o in outputs],
    }
    for name in percentile_metrics:
        s = m["summary"][name]
        r["mean_%s_ms" % name] = s["mean"]
        r["median_%s_ms" % name] = s["median"]
        r["std_%s_ms" % name] = s["std"]
        for p, v in s["percentiles"]:
            word = str(int(p)) if int(p) == p else str(p)
            r["p%s_%s_ms" % (word, name)] = v
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(r, f)


TRACEBACK = ("Traceback (most recent call last):\n"
             "  File \"backend_request_func.py\", line 271, in async_request_openai_completions\n"
             "    async for chunk_bytes in response.content:\n"
             "aiohttp.client_exceptions.ClientPayloadError: Response payload is not completed\n")


def main():
    rng = random.Random(82)
    # One level of a c=64 sweep: 640 requests of a random dataset with
    # varying lengths, four failures, a few two-token chunks, goodput SLOs,
    # all four metrics at p90 and p99.
    failures = {97: TRACEBACK, 311: TRACEBACK, 205: "Internal Server Error", 530: "Internal Server Error"}
    outputs, duration = simulate(
        rng, 640, 64,
        input_len=lambda r: r.randint(200, 300), output_len=lambda r: r.randint(8, 32),
        ttft_s=lambda r: 0.12 + r.expovariate(1 / 0.09), itl_s=lambda r: 0.028 + r.expovariate(1 / 0.006),
        failures=failures, chunked=set(range(5, 640, 23)))
    result_file("v082_c64.json", "20250402-173012", outputs, duration, concurrency=64, num_prompts=640,
                percentile_metrics=["ttft", "tpot", "itl", "e2el"], percentiles=[90, 99],
                goodput={"ttft": 400, "tpot": 40})

    # The seed's loop: results_<concurrency>_<timestamp>.json at c = 1, 2,
    # 4, 40 prompts of 128/16 tokens, vLLM's default metrics (ttft, tpot,
    # itl) at p99. The timings resemble the simulator of
    # scenarios/vllm-migration.yaml with a client whose TTFT grows with load.
    for c, date, ttft, itl in [(1, "20250403-101500", 0.0125, 0.0041), (2, "20250403-101530", 0.0225, 0.0051),
                               (4, "20250403-101600", 0.0410, 0.0051)]:
        outputs, duration = simulate(
            rng, 40, c, input_len=lambda r: 128, output_len=lambda r: 16,
            ttft_s=lambda r, t=ttft: t + r.expovariate(1 / (t / 20)),
            itl_s=lambda r, g=itl: g + r.expovariate(1 / (g / 25)), failures={}, chunked=set())
        result_file("sweep/results_%d_%s.json" % (c, date), date, outputs, duration, concurrency=c,
                    num_prompts=40, percentile_metrics=["ttft", "tpot", "itl"], percentiles=[99], goodput=None)


if __name__ == "__main__":
    main()
