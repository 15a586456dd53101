/*
 * A user-mode environment for the riscv-tests ISA programs: each test is a static Linux program.
 * It starts at _start, keeps the test number in gp (TESTNUM), and ends with the exit system call:
 * status 0 when it passed, (TESTNUM << 1) | 1 when it failed (odd, so never 0), as the
 * repository's own environments report a failure.
 */
#ifndef PAGEFRAME_RISCV_TEST_H
#define PAGEFRAME_RISCV_TEST_H

#define TESTNUM gp

#define RVTEST_RV64U .macro init; .endm
#define RVTEST_RV32U .macro init; .endm
/* The floating-point unit is on in user mode; start from a clean fcsr. */
#define RVTEST_RV64UF .macro init; csrwi fcsr, 0; .endm
#define RVTEST_RV32UF RVTEST_RV64UF
#define RVTEST_RV64UV RVTEST_RV64UF

#define RVTEST_CODE_BEGIN \
        .section .text.init, "ax"; \
        .align 6; \
        .globl _start; \
_start: \
        init;

#define RVTEST_CODE_END unimp

#define RVTEST_PASS \
        fence; \
        li a0, 0; \
        li a7, 93; \
        ecall

#define RVTEST_FAIL \
        fence; \
1:      beqz TESTNUM, 1b; \
        slli a0, TESTNUM, 1; \
        ori a0, a0, 1; \
        li a7, 93; \
        ecall

#define EXTRA_DATA

#define RVTEST_DATA_BEGIN \
        EXTRA_DATA \
        .align 4; .global begin_signature; begin_signature:

#define RVTEST_DATA_END .align 4; .global end_signature; end_signature:

#endif
