using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace AnarchoRedis.IntegrationTests.Infrastructure;

/// <summary>What a <see cref="SilentServer"/> does with the connections it accepts.</summary>
public enum SilentServerMode
{
    /// <summary>Accepts, reads and discards everything, and never answers: a node that hangs from the first byte.</summary>
    NeverAnswer,

    /// <summary>Accepts and at once closes with RST (linger on, timeout 0): a node that resets every connection.</summary>
    ResetConnections,
}

/// <summary>
/// A loopback TCP listener standing in for a Redis node that is there but useless: it never answers, or it resets every
/// connection. Unlike a killed node (connection refused) a client cannot tell it apart from a node until it waits.
/// </summary>
public sealed class SilentServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _held = [];
    private readonly Task _acceptLoop;
    private int _accepted;

    private SilentServer(SilentServerMode mode)
    {
        Mode = mode;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    /// <summary>What the server does with connections.</summary>
    public SilentServerMode Mode { get; }

    /// <summary>The port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The endpoint as a StackExchange.Redis configuration string.</summary>
    public string EndPoint => $"127.0.0.1:{Port}";

    /// <summary>How many connections were accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Starts listening on a free loopback port.</summary>
    /// <param name="mode">What to do with connections.</param>
    /// <returns>The listening server.</returns>
    public static SilentServer Start(SilentServerMode mode) => new(mode);

    /// <summary>Stops listening and closes every held connection.</summary>
    /// <returns>A task that completes when the accept loop has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        lock (_held)
        {
            foreach (var socket in _held)
            {
                socket.Dispose();
            }

            _held.Clear();
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            if (Mode == SilentServerMode.ResetConnections)
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
                continue;
            }

            lock (_held)
            {
                _held.Add(socket);
            }

            _ = DiscardAsync(socket);
        }
    }

    /// <summary>Reads what the client sends (so its writes never block) and answers nothing.</summary>
    private async Task DiscardAsync(Socket socket)
    {
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}
