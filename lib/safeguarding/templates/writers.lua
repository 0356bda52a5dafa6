-- One pandoc process per report: read its Markdown once, let the renderer check the
-- document, then write every format from it (safeguarding.pandoc_run drives this script:
-- `pandoc lua writers.lua CONFIG`). Each format gets what its own pandoc command would:
-- the command line's metadata, its heading shift, filters.lua run afresh with FORMAT set,
-- the template and variables, and the writer's options. Four processes, each starting
-- pandoc and reading the document again, cost about twice the CPU of this one.
--
-- The handshake, on stdin and stdout: the document is written as pandoc's JSON to
-- config.ast and "read" is said; the renderer answers "write" (go on with the document as
-- read) or "write changed" (it rewrote config.ast: read that), and says nothing at all to
-- stop. Each error is a line on stderr, "error STEP: message" (STEP "reading", "html5", ...).

local config = pandoc.json.decode(io.open(arg[1]):read("a"), false)

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

local function write_file(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local function fail(step, err)
  local message = tostring(err):gsub("%s+", " ")
  io.stderr:write("error " .. step .. ": " .. message .. "\n")
end

-- pandoc's --shift-heading-level-by (its headerShift, applied before filters): a heading
-- shifted below level 1 becomes a paragraph, except that the document's first heading, if
-- it is one, becomes the title.
local function shift_headings(doc, by)
  if by == 0 then return doc end
  while by < 0 and #doc.blocks > 0 and doc.blocks[1].t == "Header"
      and doc.blocks[1].level + by == 0 do
    doc.meta.title = doc.blocks[1].content
    doc.blocks:remove(1)
  end
  return doc:walk({
    Header = function(h)
      if h.level + by > 0 then
        h.level = h.level + by
        return h
      end
      return pandoc.Para(h.content)
    end,
  })
end

-- filters.lua's functions, loaded in an environment of their own for each format (as each
-- pandoc command loads it afresh): its FORMAT, and none of another format's state.
local function load_filter(path, format)
  local env = setmetatable({ FORMAT = format }, { __index = _G })
  assert(loadfile(path, "t", env))()
  local filter = {}
  for name, value in pairs(env) do
    if type(value) == "function" then filter[name] = value end
  end
  return filter
end

local function write_format(source, job)
  local doc = source:clone()
  for _, pair in ipairs(config.meta) do doc.meta[pair[1]] = pair[2] end
  for _, pair in ipairs(job.meta) do doc.meta[pair[1]] = pair[2] end
  doc = shift_headings(doc, job.shift)
  doc = doc:walk(load_filter(config.filter, job.format))
  local options = { wrap_text = config.wrap, columns = config.columns, variables = {} }
  for name, value in pairs(job.options) do options[name] = value end
  for _, pair in ipairs(job.variables) do options.variables[pair[1]] = pair[2] end
  if job.template then
    options.template = pandoc.template.compile(read_file(job.template), job.template)
  end
  write_file(job.output, pandoc.write(doc, job.format, pandoc.WriterOptions(options)))
end

local read_ok, doc = pcall(function()
  local doc = pandoc.read(read_file(config.input), config.reader, { columns = config.columns })
  write_file(config.ast, pandoc.write(doc, "json"))
  return doc
end)
if not read_ok then
  fail("reading", doc)
  os.exit(1)
end
io.stdout:write("read\n")
io.stdout:flush()

local answer = io.stdin:read("l")
if answer ~= "write" and answer ~= "write changed" then os.exit(3) end
if answer == "write changed" then doc = pandoc.read(read_file(config.ast), "json") end

local failed = false
for _, job in ipairs(config.jobs) do
  local ok, err = pcall(write_format, doc, job)
  if not ok then
    fail(job.format, err)
    failed = true
  end
end
os.exit(failed and 1 or 0)
