using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Testing.Proxy;

namespace AnarchoRedis.Testing;

/// <summary>
/// An in-process TCP proxy on a free loopback port in front of one upstream endpoint, which can partition the two
/// sides (<see cref="PartitionMode.Stall"/> or <see cref="PartitionMode.Reset"/>), add latency, and reset every
/// connection. With no partition and no latency it forwards each chunk as soon as it is read. Thread-safe.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private const int PartitionNone = 0;
    private const int PartitionStall = 1;
    private const int PartitionReset = 2;

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly HashSet<ProxyConnection> _connections = [];
    private readonly List<Task> _finishing = [];
    private Task _accepting = Task.CompletedTask;
    private TaskCompletionSource _forwarding;
    private int _partition;
    private long _latencyTicks;
    private bool _disposed;

    private TcpProxy(IPEndPoint upstream, Socket listener)
    {
        Upstream = upstream;
        _listener = listener;
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        EndPoint = "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);
        _forwarding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _forwarding.SetResult();
    }

    /// <summary>The proxy's own port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>What clients connect to: <c>127.0.0.1:{Port}</c>.</summary>
    public string EndPoint { get; }

    /// <summary>Where connections are forwarded.</summary>
    public IPEndPoint Upstream { get; }

    /// <summary>Whether a <see cref="Partition"/> is in force.</summary>
    public bool IsPartitioned => Volatile.Read(ref _partition) != PartitionNone;

    /// <summary>Added one-way delay: each chunk read from one side is delivered to the other this much later, order kept.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref _latencyTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Volatile.Write(ref _latencyTicks, value.Ticks);
        }
    }

    /// <summary>The connections open now (including ones held by a stall).</summary>
    public int OpenConnections
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Starts a proxy on a free loopback port.</summary>
    /// <param name="upstream">Where to forward connections.</param>
    /// <returns>The listening proxy.</returns>
    public static TcpProxy Start(IPEndPoint upstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var proxy = new TcpProxy(upstream, listener);
        proxy._accepting = proxy.AcceptAsync();
        return proxy;
    }

    /// <summary>Cuts the two sides apart until <see cref="Heal"/>.</summary>
    /// <param name="mode">Hold everything (<see cref="PartitionMode.Stall"/>) or reset every connection (<see cref="PartitionMode.Reset"/>).</param>
    public void Partition(PartitionMode mode = PartitionMode.Stall)
    {
        ProxyConnection[] reset = [];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_forwarding.Task.IsCompleted)
            {
                _forwarding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            if (mode == PartitionMode.Reset)
            {
                _partition = PartitionReset;
                reset = [.. _connections];
            }
            else
            {
                _partition = PartitionStall;
            }
        }

        foreach (var connection in reset)
        {
            connection.Abort(reset: true);
        }
    }

    /// <summary>Ends a partition: whatever a stall held is delivered now, and new connections are forwarded again.</summary>
    public void Heal()
    {
        TaskCompletionSource forwarding;
        lock (_gate)
        {
            _partition = PartitionNone;
            forwarding = _forwarding;
        }

        forwarding.TrySetResult();
    }

    /// <summary>Resets (RST) every connection open now; new ones are forwarded as usual.</summary>
    public void ResetConnections()
    {
        ProxyConnection[] connections;
        lock (_gate)
        {
            connections = [.. _connections];
        }

        foreach (var connection in connections)
        {
            connection.Abort(reset: true);
        }
    }

    /// <summary>Stops listening and resets every connection.</summary>
    /// <returns>A task that completes when every connection's work has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        ProxyConnection[] connections;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            connections = [.. _connections];
        }

        _stopping.Cancel();
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        foreach (var connection in connections)
        {
            connection.Abort(reset: true);
        }

        Task[] finishing;
        lock (_gate)
        {
            finishing = [.. _finishing];
        }

        await Task.WhenAll(finishing).ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"proxy {EndPoint} -> {Upstream}";

    /// <summary>Completes at once while forwarding; while partitioned, when healed (or when <paramref name="cancellationToken"/> fires).</summary>
    /// <param name="cancellationToken">The connection's end.</param>
    /// <returns>A task that completes when bytes may move.</returns>
    internal ValueTask UntilForwardingAsync(CancellationToken cancellationToken)
    {
        var forwarding = Volatile.Read(ref _forwarding).Task;
        return forwarding.IsCompleted ? default : new ValueTask(forwarding.WaitAsync(cancellationToken));
    }

    /// <summary>When a chunk read now is due on the other side, in <see cref="Stopwatch"/> ticks, or 0 for at once.</summary>
    /// <returns>The due time.</returns>
    internal long DueTimestamp()
    {
        var latency = Volatile.Read(ref _latencyTicks);
        return latency == 0 ? 0 : Stopwatch.GetTimestamp() + (long)(latency * (Stopwatch.Frequency / (double)TimeSpan.TicksPerSecond));
    }

    /// <summary>Forgets a connection that has closed.</summary>
    /// <param name="connection">The connection.</param>
    internal void Remove(ProxyConnection connection)
    {
        lock (_gate)
        {
            _connections.Remove(connection);
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // A connection that died in the backlog; keep accepting.
                continue;
            }

            ProxyConnection? connection = null;
            lock (_gate)
            {
                if (!_disposed && _partition != PartitionReset)
                {
                    connection = new ProxyConnection(this, client, _stopping.Token);
                    _connections.Add(connection);
                    _finishing.RemoveAll(static t => t.IsCompleted);
                }
            }

            if (connection is null)
            {
                ProxyConnection.Reset(client);
                continue;
            }

            var running = connection.RunAsync();
            lock (_gate)
            {
                _finishing.Add(running);
            }
        }
    }
}
