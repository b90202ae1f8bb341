-- Drives Neovim 0.7 (headless) through the quick-fix workflow on the current buffer, with the
-- nanguard client started by the configuration snippet of docs/editors.md. Prints one JSON
-- object on stdout (headless Neovim prints messages on stderr) and quits.
local TIMEOUT_MS = 60000
local TITLE = "Clip argument with epsilon"
local result = { titles = {} }
local buffer = vim.api.nvim_get_current_buf()

local function finish(problem)
  result.problem = problem
  io.stdout:write(vim.fn.json_encode(result), "\n")
  vim.cmd(problem and "cquit!" or "qall!")
end

local function found(predicate)
  return vim.wait(TIMEOUT_MS, predicate, 50)
end

if not found(function() return #vim.diagnostic.get(buffer) > 0 end) then
  return finish("no diagnostics arrived")
end
result.diagnostics = vim.tbl_map(function(d)
  return { lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
           code = d.code, source = d.source, severity = d.severity, message = d.message }
end, vim.diagnostic.get(buffer))

local client = vim.lsp.get_active_clients()[1]
result.client = client.name
result.code_action_provider = client.resolved_capabilities.code_action ~= false

-- vim.lsp.buf.code_action() sends the cursor line's diagnostics and lets the user choose.
local first = vim.diagnostic.get(buffer)[1]
vim.api.nvim_win_set_cursor(0, { first.lnum + 1, first.col })
local chosen = false
vim.ui.select = function(items, _, on_choice)
  local pick
  for index, item in ipairs(items) do
    local action = item[2]
    table.insert(result.titles, action.title)
    if action.title == TITLE then pick = index end
  end
  chosen = true
  on_choice(pick and items[pick] or nil, pick)
end
vim.lsp.buf.code_action()
if not found(function() return chosen end) then
  return finish("no code actions offered")
end
if not found(function() return #vim.diagnostic.get(buffer) == 0 end) then
  return finish("the diagnostic stayed after the fix")
end
vim.cmd("write")
finish(nil)
