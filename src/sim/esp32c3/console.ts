/** UART0 and USB-Serial-JTAG as byte sinks: what the program prints goes to `output`. */
import { RegisterBlock } from './register-block.js';

export type ConsoleSink = (text: string) => void;

/** UART FIFO at +0x00; STATUS (+0x1C) always shows an empty TX FIFO. */
export class UartConsole extends RegisterBlock {
  constructor(name: string, private readonly output: ConsoleSink) {
    super(name, 0x1000, { 0x14: 0x2b6, 0x20: 0x1c });
  }
  protected override readReg(offset: number): number {
    if (offset === 0x00) return 0; // RX FIFO empty
    if (offset === 0x1c) return 0; // TXFIFO_CNT 0, RXFIFO_CNT 0
    return super.readReg(offset);
  }
  protected override writeReg(offset: number, value: number): void {
    if (offset === 0x00) this.output(String.fromCharCode(value & 0xff));
    else super.writeReg(offset, value);
  }
}

/** USB_SERIAL_JTAG: EP1 (+0x00) takes bytes, EP1_CONF (+0x04) reports the IN endpoint free. */
export class UsbSerialJtagConsole extends RegisterBlock {
  constructor(private readonly output: ConsoleSink) {
    super('USB_SERIAL_JTAG', 0x1000);
  }
  protected override readReg(offset: number): number {
    if (offset === 0x04) return 0x2; // SERIAL_IN_EP_DATA_FREE
    return super.readReg(offset);
  }
  protected override writeReg(offset: number, value: number): void {
    if (offset === 0x00) this.output(String.fromCharCode(value & 0xff));
    else if (offset !== 0x04) super.writeReg(offset, value);
  }
}
