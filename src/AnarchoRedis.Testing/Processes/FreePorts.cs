using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace AnarchoRedis.Testing.Processes;

/// <summary>
/// Loopback ports nobody listens on, never handed out twice by this process: a killed node's port stays its own
/// until it restarts, so no other node of this process may take it meanwhile.
/// </summary>
internal static class FreePorts
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Handed = [];

    /// <summary>A free port (another process can still take it before the node binds it: callers retry).</summary>
    /// <returns>The port.</returns>
    public static int Next()
    {
        while (true)
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            lock (Gate)
            {
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
