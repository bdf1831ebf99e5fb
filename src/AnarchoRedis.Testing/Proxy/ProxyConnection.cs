using System;
using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace AnarchoRedis.Testing.Proxy;

/// <summary>
/// One client connection through a <see cref="TcpProxy"/> and its upstream connection: a pump each way. Nothing
/// here throws out of <see cref="RunAsync"/>; every failure ends the connection (with RST when it was not a clean close).
/// </summary>
internal sealed class ProxyConnection
{
    private const int ChunkSize = 16 * 1024;

    private readonly TcpProxy _proxy;
    private readonly Socket _client;
    private readonly Socket _upstream;
    private readonly CancellationTokenSource _ending;
    private readonly Task?[] _writers = new Task?[2];
    private int _aborted;

    public ProxyConnection(TcpProxy proxy, Socket client, CancellationToken stopping)
    {
        _proxy = proxy;
        _client = client;
        _client.NoDelay = true;
        _upstream = new Socket(proxy.Upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _ending = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    /// <summary>Closes a socket with RST (linger on, timeout 0), ignoring one that is already gone.</summary>
    /// <param name="socket">The socket.</param>
    public static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        socket.Dispose();
    }

    /// <summary>Ends the connection now: both sockets closed, with RST when <paramref name="reset"/>.</summary>
    /// <param name="reset">Whether to reset rather than close cleanly.</param>
    public void Abort(bool reset)
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        try
        {
            _ending.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        if (reset)
        {
            Reset(_client);
            Reset(_upstream);
        }
        else
        {
            Close(_client);
            Close(_upstream);
        }
    }

    /// <summary>Waits out a stall, connects upstream and pumps both ways until either side ends.</summary>
    /// <returns>A task that never faults.</returns>
    public async Task RunAsync()
    {
        var clean = false;
        try
        {
            var token = _ending.Token;
            // A stall holds new connections too: the node does not see them until the heal.
            await _proxy.UntilForwardingAsync(token).ConfigureAwait(false);
            await _upstream.ConnectAsync(_proxy.Upstream, token).ConfigureAwait(false);
            var up = PumpAsync(_client, _upstream, 0, token);
            var down = PumpAsync(_upstream, _client, 1, token);
            var first = await Task.WhenAny(up, down).ConfigureAwait(false);
            clean = await first.ConfigureAwait(false);
            Abort(reset: !clean);
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Upstream refused (a killed node), a partition reset, or dispose: the client sees a reset.
        }
        finally
        {
            Abort(reset: !clean);
            foreach (var writer in _writers)
            {
                if (writer is not null)
                {
                    // Never faults; it ends at once now that the connection's token is cancelled.
                    await writer.ConfigureAwait(false);
                }
            }

            _ending.Dispose();
            _proxy.Remove(this);
        }
    }

    private static void Close(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        socket.Dispose();
    }

    private static async ValueTask SendAsync(Socket to, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var sent = await to.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    /// <summary>Forwards <paramref name="from"/> to <paramref name="to"/>; true when <paramref name="from"/> closed cleanly.</summary>
    private async Task<bool> PumpAsync(Socket from, Socket to, int direction, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        DelayedWriter? delayed = null;
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer.AsMemory(0, ChunkSize), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    if (delayed is not null)
                    {
                        // What was read before the close still arrives, late.
                        return await delayed.CompleteAsync().ConfigureAwait(false);
                    }

                    return true;
                }

                // A stall holds this chunk and stops reading, so TCP flow control backs the sender up.
                await _proxy.UntilForwardingAsync(cancellationToken).ConfigureAwait(false);
                var due = _proxy.DueTimestamp();
                if (due == 0 && (delayed is null || delayed.Pending == 0))
                {
                    await SendAsync(to, buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (delayed is null)
                {
                    delayed = new DelayedWriter(this, to, cancellationToken);
                    _writers[direction] = delayed.Completion;
                }

                delayed.Enqueue(buffer.AsSpan(0, read), due);
            }
        }
        catch (Exception)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Delivers chunks each at its due time, in order; a failure ends the connection.</summary>
    private sealed class DelayedWriter
    {
        private readonly ProxyConnection _owner;
        private readonly Socket _to;
        private readonly CancellationToken _cancellationToken;
        private readonly Channel<(byte[] Buffer, int Length, long Due)> _queue =
            Channel.CreateUnbounded<(byte[], int, long)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        private readonly Task<bool> _writing;
        private int _pending;

        public DelayedWriter(ProxyConnection owner, Socket to, CancellationToken cancellationToken)
        {
            _owner = owner;
            _to = to;
            _cancellationToken = cancellationToken;
            _writing = WriteAsync();
        }

        /// <summary>Chunks queued and not yet sent.</summary>
        public int Pending => Volatile.Read(ref _pending);

        /// <summary>Completes (never faults) when the writer has stopped.</summary>
        public Task Completion => _writing;

        public void Enqueue(ReadOnlySpan<byte> chunk, long due)
        {
            var copy = ArrayPool<byte>.Shared.Rent(chunk.Length);
            chunk.CopyTo(copy);
            Interlocked.Increment(ref _pending);
            if (!_queue.Writer.TryWrite((copy, chunk.Length, due)))
            {
                ArrayPool<byte>.Shared.Return(copy);
                Interlocked.Decrement(ref _pending);
            }
        }

        public Task<bool> CompleteAsync()
        {
            _queue.Writer.TryComplete();
            return _writing;
        }

        private async Task<bool> WriteAsync()
        {
            try
            {
                while (await _queue.Reader.WaitToReadAsync(_cancellationToken).ConfigureAwait(false))
                {
                    while (_queue.Reader.TryRead(out var chunk))
                    {
                        try
                        {
                            await _owner._proxy.UntilForwardingAsync(_cancellationToken).ConfigureAwait(false);
                            // Never early: Task.Delay works in whole milliseconds and its timer may fire a little
                            // before the requested time, so wait again (rounded up) until the chunk is due.
                            TimeSpan wait;
                            while ((wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), chunk.Due)) > TimeSpan.Zero)
                            {
                                await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)), _cancellationToken).ConfigureAwait(false);
                            }

                            await SendAsync(_to, chunk.Buffer.AsMemory(0, chunk.Length), _cancellationToken).ConfigureAwait(false);
                        }
                        finally
                        {
                            ArrayPool<byte>.Shared.Return(chunk.Buffer);
                            Interlocked.Decrement(ref _pending);
                        }
                    }
                }

                return true;
            }
            catch (Exception)
            {
                _owner.Abort(reset: true);
                return false;
            }
            finally
            {
                _queue.Writer.TryComplete();
                while (_queue.Reader.TryRead(out var left))
                {
                    ArrayPool<byte>.Shared.Return(left.Buffer);
                }
            }
        }
    }
}
