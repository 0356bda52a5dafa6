-- Format-specific touches on the report's Markdown, kept out of the notebooks.
-- RAG spans: coloured boxes in Typst, character styles in Word (words are always present).
-- Figures in Typst: images with their alt text, full width, as vectors.

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
  suppressed = "RAG None", unavailable = "RAG None" }

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

function Figure(el)
  if not FORMAT:match("typst") then return nil end
  local img
  pandoc.walk_block(pandoc.Div(el.content), { Image = function(i) img = i end })
  if not img then return nil end
  local alt = img.attributes["alt"] or pandoc.utils.stringify(img.caption)
  local caption = pandoc.write(pandoc.Pandoc(el.caption.long), "typst")
  return pandoc.RawBlock("typst",
    "#figure(image(" .. typst_string(img.src) .. ", width: 100%, alt: " .. typst_string(alt) ..
    "), caption: [" .. caption:gsub("%s+$", "") .. "])")
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

local function to_typst(blocks)
  return trim(pandoc.write(pandoc.Pandoc(blocks), "typst"))
end

-- Definition lists (the front sheet) become a two-column table in Typst: a list restyled
-- as a table would break the PDF/UA list structure.
function DefinitionList(el)
  if not FORMAT:match("typst") then return nil end
  local cells = {}
  for _, item in ipairs(el.content) do
    local desc = {}
    for _, blocks in ipairs(item[2]) do
      for _, b in ipairs(blocks) do table.insert(desc, b) end
    end
    table.insert(cells, "[" .. to_typst({ pandoc.Plain(item[1]) }) .. "]")
    table.insert(cells, "[" .. to_typst(desc) .. "]")
  end
  return pandoc.RawBlock("typst", "#front-table(" .. table.concat(cells, ", ") .. ")")
end
