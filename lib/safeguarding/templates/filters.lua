-- Format-specific touches on the report's Markdown, kept out of the notebooks.
-- RAG spans: coloured boxes in Typst, character styles in Word (words are always present).
-- Figures in Typst: images with their alt text, full width, as vectors; in Word the PNG
-- Typst drew from each SVG beside it (render.write_pngs: no converter outside the declared
-- dependencies).
-- Tables: row headers from the caption's class; the widths the Markdown gives (from the
-- cells' content: markup.content_widths) in Typst and Word, the browser's own sizing in HTML,
-- where each table scrolls inside its own labelled region, so that a narrow screen never
-- scrolls the whole page sideways.

local function rag_status(el)
  for _, c in ipairs(el.classes) do
    local s = c:match("^rag%-(%a+)$")
    if s then return s end
  end
  return nil
end

local function typst_string(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

local word_styles = { green = "RAG Green", amber = "RAG Amber", red = "RAG Red", none = "RAG None",
  suppressed = "RAG Suppressed", unavailable = "RAG Unavailable" }

function Span(el)
  local status = rag_status(el)
  if not status then return nil end
  if FORMAT:match("typst") then
    return pandoc.RawInline("typst",
      "#rag(" .. typst_string(status) .. ", " .. typst_string(pandoc.utils.stringify(el)) .. ")")
  elseif FORMAT:match("docx") then
    el.attributes["custom-style"] = word_styles[status]
    return el
  end
  return nil
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

function Image(img)
  if not FORMAT:match("docx") then return nil end
  local png = img.src:gsub("%.svg$", ".png")
  if png ~= img.src and exists(png) then
    img.src = png
    img.attributes["width"] = "100%"
    return img
  end
  return nil
end

-- Typst written from blocks (captions, labels, the front sheet's cells) is written for the
-- whole document in one pandoc.write at the end (Pandoc, below): one write per piece was a
-- third of the Typst writer's run. Each piece leaves a placeholder in its raw block.
local PIECES = {}
local PIECE_SPLIT = "// safeguarding: next piece"

local function typst_later(blocks, trim_left)
  PIECES[#PIECES + 1] = { blocks = blocks, trim_left = trim_left }
  return "\u{E000}" .. #PIECES .. "\u{E001}"
end

local function written_pieces()
  local blocks = {}
  for i, piece in ipairs(PIECES) do
    if i > 1 then table.insert(blocks, pandoc.RawBlock("typst", PIECE_SPLIT)) end
    for _, b in ipairs(piece.blocks) do table.insert(blocks, b) end
  end
  local text = pandoc.write(pandoc.Pandoc(blocks), "typst")
  local out, from = {}, 1
  for i, piece in ipairs(PIECES) do
    local at = i < #PIECES and text:find("\n" .. PIECE_SPLIT .. "\n", from, true) or nil
    local part = text:sub(from, at and at - 1 or #text)
    from = at and at + #PIECE_SPLIT + 2 or #text + 1
    part = part:gsub("%s+$", "")
    if piece.trim_left then part = part:gsub("^%s+", "") else part = part:gsub("^\n+", "") end
    out[i] = part
  end
  return out
end

function Pandoc(doc)
  if #PIECES == 0 then return nil end
  local written = written_pieces()
  return doc:walk({
    RawBlock = function(raw)
      if raw.format ~= "typst" or not raw.text:find("\u{E000}", 1, true) then return nil end
      raw.text = raw.text:gsub("\u{E000}(%d+)\u{E001}", function(n) return written[tonumber(n)] end)
      return raw
    end,
  })
end

function Figure(el)
  if not FORMAT:match("typst") then return nil end
  local img
  pandoc.walk_block(pandoc.Div(el.content), { Image = function(i) img = i end })
  if not img then return nil end
  local alt = img.attributes["alt"] or pandoc.utils.stringify(img.caption)
  return pandoc.RawBlock("typst",
    "#figure(image(" .. typst_string(img.src) .. ", width: 100%, alt: " .. typst_string(alt) ..
    "), caption: [" .. typst_later(el.caption.long, false) .. "])")
end

local function row_headers(tbl)
  local keep, count = {}, 0
  for _, c in ipairs(tbl.classes) do
    local n = c:match("^row%-headers%-(%d+)$")
    if n then count = tonumber(n) else table.insert(keep, c) end
  end
  tbl.classes = keep
  return count
end

-- Tables of up to this many rows stay on one page (word.finish does the same in Word).
KEEP_TOGETHER_ROWS = 15

local function body_rows(tbl)
  local n = 0
  for _, body in ipairs(tbl.bodies) do n = n + #body.body end
  return n
end

function Table(tbl)
  local heads = row_headers(tbl)
  local html = FORMAT:match("html") ~= nil
  for _, body in ipairs(tbl.bodies) do
    body.row_head_columns = heads
    if html then
      for _, row in ipairs(body.body) do
        for i = 1, math.min(heads, #row.cells) do row.cells[i].attributes["scope"] = "row" end
      end
    end
  end
  if html then
    for _, row in ipairs(tbl.head.rows) do
      for _, cell in ipairs(row.cells) do cell.attributes["scope"] = "col" end
    end
  end
  if html then  -- the browser sizes columns to their content; Typst and Word keep the widths
    for i, spec in ipairs(tbl.colspecs) do tbl.colspecs[i] = { spec[1], pandoc.ColWidthDefault } end
  end
  if FORMAT:match("typst") and body_rows(tbl) <= KEEP_TOGETHER_ROWS then
    -- a short table is never split over two pages (a total alone at the top of the next)
    return { pandoc.RawBlock("typst", "#block(breakable: false)["), tbl, pandoc.RawBlock("typst", "]") }
  end
  if not html then return tbl end
  local label = pandoc.utils.stringify(tbl.caption.long)
  -- a list of pairs, not a table keyed by name: Lua's key order changes between runs
  local attrs = { { "role", "region" }, { "tabindex", "0" } }
  if label ~= "" then table.insert(attrs, { "aria-label", label }) end
  return pandoc.Div({ tbl }, pandoc.Attr("", { "table-scroll" }, attrs))
end

local function to_typst(blocks) return typst_later(blocks, true) end

local function description(item)
  local desc = {}
  for _, blocks in ipairs(item[2]) do
    for _, b in ipairs(blocks) do table.insert(desc, b) end
  end
  return desc
end

-- Definition lists (the front sheet and the implications) become two-column tables in
-- Typst and Word: label and value side by side, as on a committee cover sheet. (In Typst a
-- list restyled as a table would break the PDF/UA list structure; Word has no list of the
-- kind at all, only paragraphs one under another.)
local function word_table(el)
  local rows = {}
  for _, item in ipairs(el.content) do
    local label = pandoc.Cell({ pandoc.Plain({ pandoc.Strong(item[1]) }) })
    table.insert(rows, pandoc.Row({ label, pandoc.Cell(description(item)) }))
  end
  local body = { attr = pandoc.Attr(), body = rows, head = {}, row_head_columns = 1 }
  return pandoc.Table(pandoc.Caption(), { { pandoc.AlignLeft, 0.3 }, { pandoc.AlignLeft, 0.7 } },
    pandoc.TableHead(), { body }, pandoc.TableFoot(), pandoc.Attr("", { "label-value" }))
end

function DefinitionList(el)
  if FORMAT:match("docx") then return word_table(el) end
  if not FORMAT:match("typst") then return nil end
  local cells = {}
  for _, item in ipairs(el.content) do
    table.insert(cells, "[" .. to_typst({ pandoc.Plain(item[1]) }) .. "]")
    table.insert(cells, "[" .. to_typst(description(item)) .. "]")
  end
  return pandoc.RawBlock("typst", "#front-table(" .. table.concat(cells, ", ") .. ")")
end

-- A label over the text it introduces ("Commentary drafted from the figures") stays on its
-- page: sticky in Typst, "keep with next" in Word (the Commentary Label style).
-- The renderer's marker for Word's contents (after the front sheet): a bookmarked paragraph
-- there (word.CONTENTS_MARKER), nothing elsewhere.
local CONTENTS_MARKER = '<w:p><w:bookmarkStart w:id="89999" w:name="contents-page"/>' ..
  '<w:bookmarkEnd w:id="89999"/></w:p>'

function Div(el)
  if el.classes:includes("contents-page") then
    if FORMAT:match("docx") then return pandoc.RawBlock("openxml", CONTENTS_MARKER) end
    return {}
  end
  if not el.classes:includes("commentary-label") then return nil end
  if FORMAT:match("docx") then
    el.attributes["custom-style"] = "Commentary Label"
    return el
  elseif FORMAT:match("typst") then
    return pandoc.RawBlock("typst", "#block(sticky: true)[" .. to_typst(el.content) .. "]")
  end
  return nil
end
