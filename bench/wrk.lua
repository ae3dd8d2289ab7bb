-- wrk script for scripts/bench: BENCH_CLOSE=1 adds "Connection: close" so
-- every response ends its connection and wrk reconnects (connection per
-- request); done() prints one machine-readable line for the bench driver,
-- errors as the total and split connect/read/write/status/timeout.
if os.getenv("BENCH_CLOSE") == "1" then
	wrk.headers["Connection"] = "close"
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"WRK requests=%d bytes=%d duration_us=%d errors=%d errors_crwst=%d/%d/%d/%d/%d p50_us=%d p99_us=%d\n",
		summary.requests, summary.bytes, summary.duration,
		e.connect + e.read + e.write + e.status + e.timeout,
		e.connect, e.read, e.write, e.status, e.timeout,
		latency:percentile(50), latency:percentile(99)))
end
