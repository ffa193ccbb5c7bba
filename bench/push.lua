-- Replays a pool of signed pushes (bench/pool.py), each request once.
-- Usage: wrk -t THREADS -s bench/push.lua URL -- POOL_FILE THREADS
-- Thread k of n sends lines k, k+n, k+2n...; `wrapped` counts pool restarts
-- (a restarted pool repeats MsgIds, which wrist answers from storage).

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
   table.insert(threads, thread)
end

local pool, n, i = {}, 0, 0
wrapped = 0

function init(args)
   local nthreads = tonumber(args[2] or "1")
   local index = 0
   for line in io.lines(args[1]) do
      index = index + 1
      if (index - 1) % nthreads == (id - 1) then
         local tab = line:find("\t", 1, true)
         n = n + 1
         pool[n] = wrk.format("POST", line:sub(1, tab - 1),
            {["Content-Type"] = "text/xml"}, line:sub(tab + 1))
      end
   end
end

function request()
   i = i + 1
   if i > n then
      i = 1
      wrapped = wrapped + 1
   end
   return pool[i]
end

function done(summary, latency, requests)
   local total_wrapped = 0
   for _, thread in ipairs(threads) do
      total_wrapped = total_wrapped + (thread:get("wrapped") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
      '"max_us": %d, "status_errors": %d, "connect_errors": %d, "read_errors": %d, ' ..
      '"write_errors": %d, "timeouts": %d, "wrapped": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      latency.max, e.status, e.connect, e.read, e.write, e.timeout, total_wrapped))
end
