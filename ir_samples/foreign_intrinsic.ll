; Rejected: calls an intrinsic of another target (AArch64), which would
; make LLVM's code generator abort on this machine (422).
target triple = "x86_64-pc-linux-gnu"

declare i64 @llvm.aarch64.get.fpcr()

define i32 @foobar(ptr %args, ptr %out) {
entry:
  %fpcr = call i64 @llvm.aarch64.get.fpcr()
  ret i32 0
}
