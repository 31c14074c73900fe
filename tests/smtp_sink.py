"""A minimal SMTP server on loopback that keeps what it is sent: a real socket, no mocks."""
import socket
import threading


class SMTPSink:
    def __init__(self, connections: int = 1):
        self.messages = []
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(connections)
        self.server.settimeout(10)
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, args=(connections,), daemon=True)
        self.thread.start()

    def serve(self, connections):
        try:
            for _ in range(connections):
                connection, _ = self.server.accept()
                self._converse(connection)
        except OSError:
            pass  # no more connections came
        finally:
            self.server.close()

    def _converse(self, connection):
        reader = connection.makefile("rb")
        connection.sendall(b"220 sink\r\n")
        data, in_data = [], False
        for raw in reader:
            line = raw.decode().rstrip("\r\n")
            if in_data:
                if line == ".":
                    in_data = False
                    self.messages.append("\n".join(data))
                    data = []
                    connection.sendall(b"250 queued\r\n")
                else:
                    data.append(line)
            elif line.upper().startswith("DATA"):
                in_data = True
                connection.sendall(b"354 go on\r\n")
            elif line.upper().startswith("QUIT"):
                connection.sendall(b"221 bye\r\n")
                break
            else:
                connection.sendall(b"250 ok\r\n")
        connection.close()
