// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The cache plugin's web UI (plugins/cache_ui/), embedded into the binary at
 * build time with the assembler's .incbin, so the daemon serves it with no
 * files to install. Each asset gets a NUL after it and a length symbol.
 * The paths are relative to userspace/, where make runs the compiler.
 */
#define UI_ASSET(sym, file)						\
	__asm__(".section .rodata\n"					\
		".global " #sym "\n"					\
		".type " #sym ", @object\n"				\
		".balign 16\n"						\
		#sym ":\n"						\
		".incbin \"" file "\"\n"				\
		#sym "_end:\n"						\
		".byte 0\n"						\
		".global " #sym "_len\n"				\
		".type " #sym "_len, @object\n"				\
		".balign 4\n"						\
		#sym "_len:\n"						\
		".int " #sym "_end - " #sym "\n"			\
		".previous\n")

UI_ASSET(cache_ui_html, "plugins/cache_ui/index.html");
UI_ASSET(cache_ui_js, "plugins/cache_ui/app.js");
UI_ASSET(cache_ui_css, "plugins/cache_ui/style.css");
