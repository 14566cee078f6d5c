-- wrk script of scripts/bench: walks a list of URL paths, one a line, so
-- that no URL repeats within a run (scripts/bench.pl writes a new list for
-- every run, so no run repeats another's either).
--   wrk -t2 ... -s scripts/bench-urls.lua URL -- LISTFILE NTHREADS [TAG [STATUS]]
-- Thread k (0-based) takes the lines k, k + NTHREADS, k + 2 NTHREADS, ...:
-- its own slice.  A thread that reaches the end of its slice starts again
-- (wrk cannot stop one thread alone) and counts how often: done() prints
-- "bench-urls exhausted N", and scripts/bench.pl refuses the run when N > 0.
-- TAG, unless "-", is sent as the header X-Bench-Log, which the bench httpd
-- uses to write an access log of that run only.  STATUS = 1 counts the
-- answers per status class in response() (which costs wrk some CPU, so it
-- is off unless asked).
local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   table.insert(threads, thread)
   counter = counter + 1
end

function init(args)
   local file, nthreads = args[1], tonumber(args[2])
   local tag = args[3]
   if not file or not nthreads then
      error("usage: -- LISTFILE NTHREADS [TAG [STATUS]]")
   end
   local headers = {}
   if tag and tag ~= "-" then headers["X-Bench-Log"] = tag end
   reqs = {}
   local fh = assert(io.open(file, "r"))
   local i = 0
   for line in fh:lines() do
      if i % nthreads == tid and line ~= "" then
         reqs[#reqs + 1] = wrk.format("GET", line, headers)
      end
      i = i + 1
   end
   fh:close()
   n = #reqs
   if n == 0 then error("no URL for thread " .. tid .. " in " .. file) end
   pos = 0
   used = 0
   exhausted = 0
   s2, s3, s4, s5 = 0, 0, 0, 0
   if args[4] ~= "1" then response = nil end
end

function request()
   pos = pos + 1
   used = used + 1
   if pos > n then
      pos = 1
      exhausted = exhausted + 1
   end
   return reqs[pos]
end

function response(status, headers, body)
   if status >= 500 then s5 = s5 + 1
   elseif status >= 400 then s4 = s4 + 1
   elseif status >= 300 then s3 = s3 + 1
   else s2 = s2 + 1 end
end

function done(summary, latency, requests)
   local total = { n = 0, used = 0, exhausted = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0 }
   for _, t in ipairs(threads) do
      for k, _ in pairs(total) do total[k] = total[k] + (t:get(k) or 0) end
   end
   io.write(string.format("bench-urls listed %d used %d exhausted %d\n",
                          total.n, total.used, total.exhausted))
   io.write(string.format("bench-urls status 2xx %d 3xx %d 4xx %d 5xx %d\n",
                          total.s2, total.s3, total.s4, total.s5))
end
