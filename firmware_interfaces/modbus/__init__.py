"""Modbus RTU devices of the storeroom: weight transmitters and XY-MD02 climate sensors.

:mod:`.profiles` describes devices as data, :mod:`.registers` turns registers into events
(sans-IO), :mod:`.poller` is the one async poller per RS-485 bus and :mod:`.simulator` is a
pymodbus server that plays the devices for tests and the demo. Only those two need pymodbus
(the ``modbus`` extra): a storeroom whose shelves are all on MQTT runs without it.
"""
