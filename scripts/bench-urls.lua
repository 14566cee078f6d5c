-- wrk script of scripts/bench: walks a list of URL paths, one a line, so
-- that no URL repeats within a run (scripts/bench.pl writes new lists for
-- every run, so no run repeats another's either).
--   wrk -t NTHREADS ... -s scripts/bench-urls.lua URL -- LIST NTHREADS [TAG [STATUS]]
-- Thread k (0-based) walks the file LIST.k: its own slice.  A thread that
-- reaches the end of its slice starts it again (wrk cannot stop one thread
-- alone) and counts how often: done() prints "bench-urls ... exhausted N",
-- and scripts/bench.pl refuses the run when N > 0.
-- init() only reads the file: wrk starts each thread right after its
-- init(), before the next thread's, and starts its clock after the last,
-- so a slow init() would give the first thread a head start.
-- TAG, unless "-", is sent as the header X-Bench-Log, which the bench httpd
-- uses to write an access log of that run only.  STATUS = 1 counts the
-- answers per status class in response() (which costs wrk some CPU, so it
-- is off unless asked).  STATUS = 2, with CONNS (connections per thread)
-- after it, also counts per second (os.time()) the requests sent, the
-- answers and the answers not 2xx/3xx, and the requests that failed on
-- their connection (wrk's socket errors have no Lua hook): in a thread,
-- sent - answered = in flight + failed so far, and in flight <= CONNS, so
-- failed so far >= the highest sent - answered - CONNS seen; it is exact
-- at any moment all CONNS are in flight, which at thousands of requests a
-- second is every second.  done() prints "bench-urls second EPOCH sent N
-- answered N bad N failed N" (scripts/soak).
local threads = {}
local counter = 0
local find, sub = string.find, string.sub

function setup(thread)
   thread:set("tid", counter)
   table.insert(threads, thread)
   counter = counter + 1
end

function init(args)
   local list, nthreads, tag = args[1], tonumber(args[2]), args[3]
   if not list or not nthreads or tid >= nthreads then
      error("usage: wrk -t NTHREADS ... -- LIST NTHREADS [TAG [STATUS]]")
   end
   local headers = {}
   if tag and tag ~= "-" then headers["X-Bench-Log"] = tag end
   -- the request of wrk.format with the path cut out
   local req = wrk.format("GET", "/@PATH@", headers)
   local at = find(req, "/@PATH@", 1, true)
   prefix, suffix = sub(req, 1, at - 1), sub(req, at + 7)
   local fh = assert(io.open(list .. "." .. tid, "rb"))
   data = fh:read("*a")
   fh:close()
   if sub(data, -1) ~= "\n" then data = data .. "\n" end
   n = 0
   local e = find(data, "\n", 1, true)
   while e do n = n + 1; e = find(data, "\n", e + 1, true) end
   if n == 0 then error("no URL in " .. list .. "." .. tid) end
   pos = 1
   used = 0
   exhausted = 0
   s2, s3, s4, s5 = 0, 0, 0, 0
   persec = args[4] == "2"
   conns = tonumber(args[5] or "")
   if persec and not conns then error("STATUS 2 needs CONNS") end
   sent, answered, bad, high = {}, {}, {}, {}
   nsent, nanswered = 0, 0
   if args[4] ~= "1" and not persec then response = nil end
end

function request()
   used = used + 1
   local e = find(data, "\n", pos, true)
   if not e then
      exhausted = exhausted + 1
      pos = 1
      e = find(data, "\n", 1, true)
   end
   local path = sub(data, pos, e - 1)
   pos = e + 1
   if persec then
      local t = os.time()
      sent[t] = (sent[t] or 0) + 1
      nsent = nsent + 1
      local d = nsent - nanswered - conns
      if d > (high[t] or 0) then high[t] = d end
   end
   return prefix .. path .. suffix
end

function response(status, headers, body)
   if status >= 500 then s5 = s5 + 1
   elseif status >= 400 then s4 = s4 + 1
   elseif status >= 300 then s3 = s3 + 1
   else s2 = s2 + 1 end
   if persec then
      local t = os.time()
      answered[t] = (answered[t] or 0) + 1
      nanswered = nanswered + 1
      if status >= 400 then bad[t] = (bad[t] or 0) + 1 end
   end
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
   local secs, seen = {}, {}
   local function at(s)
      if not seen[s] then
         seen[s] = { sent = 0, answered = 0, bad = 0, failed = 0 }
         table.insert(secs, s)
      end
      return seen[s]
   end
   for _, t in ipairs(threads) do
      for _, k in ipairs({ "sent", "answered", "bad" }) do
         for s, c in pairs(t:get(k) or {}) do at(s)[k] = at(s)[k] + c end
      end
      -- failed so far: the highest bound up to each second
      local h, hs, so_far = t:get("high") or {}, {}, 0
      for s, _ in pairs(h) do table.insert(hs, s) end
      table.sort(hs)
      for _, s in ipairs(hs) do
         if h[s] > so_far then
            at(s).failed = at(s).failed + h[s] - so_far
            so_far = h[s]
         end
      end
   end
   table.sort(secs)
   for _, s in ipairs(secs) do
      local x = seen[s]
      io.write(string.format("bench-urls second %d sent %d answered %d bad %d failed %d\n",
                             s, x.sent, x.answered, x.bad, x.failed))
   end
end
