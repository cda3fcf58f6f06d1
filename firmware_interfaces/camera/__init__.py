"""The entrance checkpoint's camera: QR decoding from frames, tracking, and the capture transport.

- :mod:`~firmware_interfaces.camera.decoder`: ``decode_image`` / ``Decoder``, never raising;
- :mod:`~firmware_interfaces.camera.tracker`: report each code once while it stays in view;
- :mod:`~firmware_interfaces.camera.capture`: ``CameraDevice(CameraSettings).run(emit)``;
- :mod:`~firmware_interfaces.camera.simulator`: a video file of QR codes, a simulated camera;
- :mod:`~firmware_interfaces.camera.command`: the ``decode-image`` CLI command.

OpenCV, zxing-cpp and numpy come with the ``camera`` extra; without it, importing the decoder,
the capture or the simulator raises :class:`~firmware_interfaces.extras.MissingExtraError`.
"""
