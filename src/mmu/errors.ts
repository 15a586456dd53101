/** The MMU layer's own typed errors: addresses the hardware would refuse before any walk. */
import { AddressRangeError } from '../common/errors.js';

/**
 * A virtual address outside the format's canonical range: above 4 GiB on i386, bits 63:47 not
 * all equal on x86-64, bits 63:39 not all equal on Sv39 (here: a number outside the range
 * docs/architecture.md gives to sign-extended addresses, or not an integer).
 */
export class NonCanonicalAddressError extends AddressRangeError {}

/** A physical address (of a page to map) that is not in RAM. */
export class NotInRamError extends AddressRangeError {}
