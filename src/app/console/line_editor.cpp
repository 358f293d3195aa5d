// LineEditor on libedit. Five libedit habits shape this file: its callback mode ends with every
// finished line (so the handler is installed again each time); it knows nothing of text we
// print (so print_above() erases the input rows itself and has libedit draw them again below);
// it reads the rest of an escape sequence blocking (so keys come through read_character); its
// Ctrl-Z leaves the terminal raw (so suspend() is ours); and its rl_line_buffer goes stale past
// about 1 KiB (so read_character holds lines under line_limit). docs/client.md tells the story.
#include "app/console/line_editor.hpp"

#include <editline/readline.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <cwctype>
#include <memory>
#include <stdexcept>
#include <utility>

#include "app/blocking_write.hpp"

namespace chatd::app::console {
namespace {

constexpr int history_entries = 1000;
constexpr int fallback_columns = 80;
// A terminal sends a key's escape sequence in one write: what has not followed an ESC by then
// belongs to no sequence.
constexpr int escape_sequence_wait_ms = 50;

// libedit calls back through plain functions, so they find the editor here.
LineEditor* current_editor = nullptr;
// What on_tab offers libedit, handed out one at a time by next_candidate.
std::vector<std::string> candidates;
std::size_t next_candidate_index = 0;
// read_character's last character was an ESC: what follows may be the rest of a sequence.
bool after_escape = false;
// The longest input line in bytes; read_character drops printable characters past it, and says
// so through refused_characters.
std::size_t line_limit = 0;
bool refused_characters = false;

// Words are separated by blanks only: nicknames may hold []{}|^` and room names too.
char word_breaks[] = " \t";

int terminal_columns() {
  int rows = 0;
  int columns = 0;
  rl_get_screen_size(&rows, &columns);
  return columns > 0 ? columns : fallback_columns;
}

// How many rows below the prompt's first row the cursor is after `text` has been drawn from the
// prompt's start, wrapping as libedit does: a character that does not fit on a row moves whole
// to the next one, and filling a row moves the cursor to the next one.
std::size_t rows_taken_before_end(std::string_view text, int columns) {
  const auto width_limit = static_cast<std::size_t>(columns);
  std::mbstate_t state{};
  std::size_t row = 0;
  std::size_t column = 0;
  while (!text.empty()) {
    wchar_t character = 0;
    std::size_t used = std::mbrtowc(&character, text.data(), text.size(), &state);
    std::size_t width = 0;
    if (used == static_cast<std::size_t>(-1) || used == static_cast<std::size_t>(-2)) {
      state = std::mbstate_t{};
      used = 1;
      width = 4;  // libedit shows a byte it cannot decode as \ooo
    } else if (character == L'\t') {
      width = 8 - column % 8;
    } else {
      const int columns_of_character = ::wcwidth(character);
      width = columns_of_character < 0 ? 2 : static_cast<std::size_t>(columns_of_character);
    }
    if (column + width > width_limit) {
      ++row;
      column = 0;
    }
    column += width;
    if (column >= width_limit) {
      ++row;
      column = 0;
    }
    text.remove_prefix(used == 0 ? 1 : used);
  }
  return row;
}

// Reads one character of input for libedit, whole (a UTF-8 one is several bytes), or -1 for none.
// libedit reads the rest of a key sequence after an ESC as it would anything else, blocking, so a
// lone Esc would hold the whole client until the next key; here the rest must come promptly or
// the sequence is over (libedit then drops the ESC).
int read_character(FILE* /*input*/) {
  const bool escaped = std::exchange(after_escape, false);
  if (escaped) {
    pollfd input{STDIN_FILENO, POLLIN, 0};
    if (::poll(&input, 1, escape_sequence_wait_ms) != 1) return -1;
  }
  std::mbstate_t state{};
  for (std::size_t bytes = 0; bytes < MB_LEN_MAX; ++bytes) {
    char byte = 0;
    ssize_t got = 0;
    do {
      got = ::read(STDIN_FILENO, &byte, 1);
    } while (got == -1 && errno == EINTR);
    if (got != 1) return -1;
    wchar_t character = 0;
    const std::size_t used = std::mbrtowc(&character, &byte, 1, &state);
    if (used == static_cast<std::size_t>(-2)) continue;  // more of this character to come
    if (used == static_cast<std::size_t>(-1)) character = static_cast<unsigned char>(byte);
    after_escape = character == L'\x1b';
    // Meta-digit (a repeat count) and Meta-Ctrl-_ (copy the previous word) insert many at once.
    if (escaped && ((character >= L'0' && character <= L'9') || character == L'\x1f')) return -1;
    // At the limit a character to insert is dropped (libedit then takes no key); editing keys
    // still work.
    const bool full = static_cast<std::size_t>(rl_end) + MB_LEN_MAX >= line_limit;
    if (full && std::iswprint(static_cast<wint_t>(character)) != 0) {
      refused_characters = true;
      return -1;
    }
    return static_cast<int>(character);
  }
  return -1;
}

// Back to the start of the prompt's first row, `rows_above` rows up, and clear to the end of the
// screen.
std::string erasure(std::size_t rows_above) {
  std::string erase = "\r";
  if (rows_above > 0) erase += "\x1b[" + std::to_string(rows_above) + "A";
  erase += "\x1b[J";
  return erase;
}

char* next_candidate(const char* /*word*/, int state) {
  if (state == 0) next_candidate_index = 0;
  if (next_candidate_index == candidates.size()) return nullptr;
  return ::strdup(candidates[next_candidate_index++].c_str());
}

// The previous history entry, to keep a line typed twice in a row from filling history.
bool repeats_last_history_entry(const char* line) {
  const HIST_ENTRY* last = history_get(history_base + history_length - 1);
  return last != nullptr && last->line != nullptr && std::strcmp(last->line, line) == 0;
}

}  // namespace

LineEditor::LineEditor(std::string prompt, std::size_t max_line_bytes, LineHandler on_line,
                       Completer complete)
    : prompt_(std::move(prompt)), on_line_(std::move(on_line)), complete_(std::move(complete)) {
  if (current_editor != nullptr) throw std::logic_error("only one LineEditor at a time");
  current_editor = this;
  line_limit = max_line_bytes;
  rl_readline_name = "chat";  // the section of ~/.editrc that applies
  // Signals (SIGINT, SIGTERM, SIGWINCH) are the Asio loop's: libedit must not install handlers.
  rl_catch_signals = 0;
  rl_catch_sigwinch = 0;
  rl_getc_function = &read_character;
  rl_initialize();
  stifle_history(history_entries);
  // libedit's emacs map kills the marked region on Ctrl-W; terminal users expect the word.
  rl_parse_and_bind("bind ^W ed-delete-prev-word");
  // Yank inserts many characters at once, which could take the line past line_limit, where
  // libedit's readline layer corrupts memory (see the LineEditor comment). read_character
  // swallows the other such keys, Meta-digit counts and Meta-Ctrl-_ (copy the previous word).
  rl_parse_and_bind("bind ^Y ed-unassigned");
  rl_basic_word_break_characters = word_breaks;
  rl_completer_word_break_characters = word_breaks;
  rl_attempted_completion_function = &LineEditor::on_tab;
  rl_callback_handler_install(prompt_.c_str(), &LineEditor::on_line_finished);
}

LineEditor::~LineEditor() {
  erase_input_rows(rows_above_cursor());
  rl_callback_handler_remove();
  current_editor = nullptr;
}

void LineEditor::read_available() {
  pollfd terminal{STDIN_FILENO, POLLIN, 0};
  while (!hung_up_ && ::poll(&terminal, 1, 0) == 1) {
    if ((terminal.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
      finished_.emplace_back(std::nullopt);  // hung up: nothing more will be typed
      hung_up_ = true;
      break;
    }
    rl_callback_read_char();
  }
  if (std::exchange(refused_characters, false)) {
    print_above("\x1b[2mchat: a line typed here holds at most " + std::to_string(line_limit) +
                " bytes; what came after was not taken\x1b[0m\n");
  }
  // Handed over only now, with libedit's state settled, so handlers may print and redraw.
  auto lines = std::exchange(finished_, {});
  for (auto& line : lines) on_line_(std::move(line));
}

void LineEditor::print_above(std::string_view lines) {
  if (lines.empty()) return;
  std::string screen = erasure(rows_above_cursor());  // one write: a terminal write is costly
  screen.append(lines);
  write_fully(STDOUT_FILENO, screen);
  rl_forced_update_display();
}

void LineEditor::set_prompt(std::string prompt) {
  if (prompt == prompt_) return;
  erase_input_rows(rows_above_cursor());
  prompt_ = std::move(prompt);
  rl_set_prompt(prompt_.c_str());
  rl_forced_update_display();
}

void LineEditor::suspend() {
  write_fully(STDOUT_FILENO, "\r\n");  // the input stays on the screen, the shell goes below
  rl_deprep_terminal();
  ::kill(0, SIGSTOP);  // the job, as the terminal's own Ctrl-Z does; returns once continued
  rl_prep_terminal(0);
  rl_forced_update_display();
}

void LineEditor::resize() {
  rl_resize_terminal();
  erase_input_rows(rows_above_cursor());
  rl_forced_update_display();
}

std::size_t LineEditor::rows_above_cursor() const {
  std::string drawn = prompt_;
  if (rl_line_buffer != nullptr) drawn.append(rl_line_buffer, static_cast<std::size_t>(rl_point));
  return rows_taken_before_end(drawn, terminal_columns());
}

void LineEditor::erase_input_rows(std::size_t rows_above) {
  write_fully(STDOUT_FILENO, erasure(rows_above));
}

void LineEditor::on_line_finished(char* raw_line) {
  const std::unique_ptr<char, decltype(&std::free)> line(raw_line, &std::free);
  LineEditor& editor = *current_editor;
  if (line) {
    // libedit has left the cursor on the row below the finished input. The room echoes what is
    // sent, so the input goes from the screen rather than appearing twice.
    const std::string drawn = editor.prompt_ + line.get();
    editor.erase_input_rows(rows_taken_before_end(drawn, terminal_columns()) + 1);
    if (line.get()[0] != '\0' && !repeats_last_history_entry(line.get())) add_history(line.get());
    editor.finished_.emplace_back(line.get());
  } else {
    editor.erase_input_rows(editor.rows_above_cursor());
    editor.finished_.emplace_back(std::nullopt);
  }
  rl_callback_handler_install(editor.prompt_.c_str(), &LineEditor::on_line_finished);
}

char** LineEditor::on_tab(const char* word, int start, int /*end*/) {
  rl_attempted_completion_over = 1;  // never fall back to completing file names
  const std::string_view before_word(rl_line_buffer, static_cast<std::size_t>(start));
  candidates = current_editor->complete_(before_word, word);
  if (candidates.empty()) return nullptr;
  return rl_completion_matches(word, &next_candidate);
}

}  // namespace chatd::app::console
