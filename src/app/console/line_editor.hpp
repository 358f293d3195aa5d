// The input line at the bottom of a terminal: libedit's readline-compatible callback interface,
// fed by the caller whenever the terminal is readable, so the Asio loop stays the only thing
// waiting. Text printed with print_above() appears above the input line, which is then redrawn
// whole with the cursor where it was. docs/client.md says why libedit and not GNU readline.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::app::console {

// Takes a line the user finished with Enter (without its "\n"), or nullopt when the user ended
// input (Ctrl-D on an empty line, or the terminal hung up).
using LineHandler = std::function<void(std::optional<std::string> line)>;

// Given the input before the word being completed and that word's start, returns the words it
// may become; libedit completes their longest common prefix and lists them on a second Tab.
using Completer =
    std::function<std::vector<std::string>(std::string_view before_word, std::string_view word)>;

// libedit's readline interface is one set of globals, so at most one LineEditor exists at a time
// (constructing a second one throws std::logic_error). It edits standard input and draws on
// standard output; both must be the same terminal. Single-threaded: call everything, and expect
// the handlers to be called, on the thread that runs the terminal's event loop.
class LineEditor {
 public:
  // Input lines hold at most `max_line_bytes`, which must stay under 1 000: libedit's readline
  // layer keeps rl_line_buffer pointing into a conversion buffer that it reallocates once a line
  // passes about 1 KiB, and then writes through the stale pointer (heap corruption). Past the
  // limit, typed characters are refused with a notice, and the keys that insert many at once
  // (yank, copy word, Meta-digit counts) are unbound.
  LineEditor(std::string prompt, std::size_t max_line_bytes, LineHandler on_line,
             Completer complete);
  // Restores the terminal's modes, leaving the cursor on a fresh line below the input.
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  // Edits with every byte the terminal has ready and returns without blocking for more; the line
  // handler runs for each line finished meanwhile, and once with nullopt when the terminal hangs
  // up (after which there is nothing more to read).
  void read_available();

  // True once the terminal has hung up.
  bool hung_up() const noexcept { return hung_up_; }

  // Prints `lines` (each ending in "\n", escape sequences allowed) above the input line.
  void print_above(std::string_view lines);

  // Shows `prompt` (plain text) in front of the input from now on.
  void set_prompt(std::string prompt);

  // Adapts to the terminal's new size (after SIGWINCH) and redraws the input line.
  void resize();

  // Ctrl-Z (SIGTSTP): gives the terminal its own modes back, stops the job, and once the shell
  // continues it, takes the terminal again and redraws the input line.
  void suspend();

 private:
  static void on_line_finished(char* line);
  static char** on_tab(const char* word, int start, int end);

  // Moves the cursor to the first row of the prompt and clears from there to the end of screen.
  void erase_input_rows(std::size_t rows_above_cursor);
  std::size_t rows_above_cursor() const;

  std::string prompt_;
  LineHandler on_line_;
  Completer complete_;
  // Lines finished inside libedit's callback, handed to on_line_ once libedit has returned.
  std::vector<std::optional<std::string>> finished_;
  bool hung_up_ = false;
};

}  // namespace chatd::app::console
