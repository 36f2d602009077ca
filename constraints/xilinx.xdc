# Xilinx 7-series: clock constraint for users of vendor tools (Vivado). 200 MHz = 5.000 ns,
# the default HardwareConfig.clockMHz. Pin locations depend on the board: add
# set_property PACKAGE_PIN / IOSTANDARD lines for your part.
create_clock -name clk -period 5.000 [get_ports clk]
