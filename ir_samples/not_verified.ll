; Rejected: parses, but fails LLVM's verifier (an instruction used before
; it is defined), so it must never reach code generation (422).
target triple = "x86_64-pc-linux-gnu"

define i32 @foobar(ptr %args, ptr %out) {
entry:
  %a = add i32 %b, 1
  %b = add i32 %a, 1
  ret i32 0
}
