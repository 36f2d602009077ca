# Generic SDC clock constraint (200 MHz), for tools that read SDC.
create_clock -name clk -period 5.000 [get_ports clk]
