"""The notify domain: who is told what about which event (templates) and the message categories. No I/O."""
