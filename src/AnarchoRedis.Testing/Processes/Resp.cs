using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace AnarchoRedis.Testing.Processes;

/// <summary>
/// The kit's own admin client for one redis-server: a fresh loopback connection per command (AUTH first when the node
/// has a password), RESP2 replies as <see cref="string"/> (simple strings), <see cref="long"/>, <see cref="byte"/>[]
/// (bulk strings), <see cref="object"/>[] (arrays) or <see langword="null"/>. Used to form clusters and move slots
/// without depending on a client library's view of the topology.
/// </summary>
internal static class Resp
{
    /// <summary>How long one admin command may take, connect included.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Runs one command on the server at 127.0.0.1:<paramref name="port"/>.</summary>
    /// <param name="port">The server's own port.</param>
    /// <param name="password">The default user's password, or null.</param>
    /// <param name="arguments">The command and its arguments: strings, byte arrays or integers.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>The reply.</returns>
    /// <exception cref="RespErrorException">The server replied with an error.</exception>
    public static async Task<object?> ExecuteAsync(int port, string? password, IReadOnlyList<object> arguments, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
        var stream = client.GetStream();
        var reader = new Reader(stream);
        if (password is not null)
        {
            await WriteAsync(stream, ["AUTH", password], timeout.Token).ConfigureAwait(false);
            _ = await reader.ReadAsync(timeout.Token).ConfigureAwait(false);
        }

        await WriteAsync(stream, arguments, timeout.Token).ConfigureAwait(false);
        return await reader.ReadAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>A reply as text (bulk or simple string).</summary>
    /// <param name="reply">The reply.</param>
    /// <returns>The text.</returns>
    public static string Text(object? reply) => reply switch
    {
        string s => s,
        byte[] b => Encoding.UTF8.GetString(b),
        long l => l.ToString(CultureInfo.InvariantCulture),
        null => string.Empty,
        _ => throw new InvalidOperationException($"Unexpected reply of type {reply.GetType().Name}."),
    };

    private static async Task WriteAsync(Stream stream, IReadOnlyList<object> arguments, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        void Ascii(string s)
        {
            var bytes = Encoding.ASCII.GetBytes(s);
            buffer.Write(bytes);
        }

        Ascii(string.Create(CultureInfo.InvariantCulture, $"*{arguments.Count}\r\n"));
        foreach (var argument in arguments)
        {
            var bytes = argument switch
            {
                byte[] b => b,
                string s => Encoding.UTF8.GetBytes(s),
                int i => Encoding.ASCII.GetBytes(i.ToString(CultureInfo.InvariantCulture)),
                long l => Encoding.ASCII.GetBytes(l.ToString(CultureInfo.InvariantCulture)),
                _ => throw new ArgumentException($"Unsupported argument type {argument.GetType().Name}.", nameof(arguments)),
            };
            Ascii(string.Create(CultureInfo.InvariantCulture, $"${bytes.Length}\r\n"));
            buffer.Write(bytes);
            Ascii("\r\n");
        }

        await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
    }

    private sealed class Reader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        public async Task<object?> ReadAsync(CancellationToken cancellationToken)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            var rest = line[1..];
            switch (line[0])
            {
                case '+':
                    return rest;
                case '-':
                    throw new RespErrorException(rest);
                case ':':
                    return long.Parse(rest, CultureInfo.InvariantCulture);
                case '$':
                {
                    var length = int.Parse(rest, CultureInfo.InvariantCulture);
                    if (length < 0)
                    {
                        return null;
                    }

                    var data = await ReadExactlyAsync(length + 2, cancellationToken).ConfigureAwait(false);
                    return data[..length];
                }

                case '*':
                {
                    var count = int.Parse(rest, CultureInfo.InvariantCulture);
                    if (count < 0)
                    {
                        return null;
                    }

                    var items = new object?[count];
                    for (var i = 0; i < count; i++)
                    {
                        try
                        {
                            items[i] = await ReadAsync(cancellationToken).ConfigureAwait(false);
                        }
                        catch (RespErrorException ex)
                        {
                            items[i] = ex;
                        }
                    }

                    return items;
                }

                default:
                    throw new InvalidDataException($"Unexpected RESP line '{line}'.");
            }
        }

        private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new List<byte>();
            while (true)
            {
                while (_start < _end)
                {
                    var b = _buffer[_start++];
                    if (b == '\n' && line.Count > 0 && line[^1] == '\r')
                    {
                        return Encoding.UTF8.GetString([.. line[..^1]]);
                    }

                    line.Add(b);
                }

                await FillAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
        {
            var result = new byte[count];
            var at = 0;
            while (at < count)
            {
                if (_start == _end)
                {
                    await FillAsync(cancellationToken).ConfigureAwait(false);
                }

                var take = Math.Min(count - at, _end - _start);
                Array.Copy(_buffer, _start, result, at, take);
                _start += take;
                at += take;
            }

            return result;
        }

        private async Task FillAsync(CancellationToken cancellationToken)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
            if (_end == 0)
            {
                throw new IOException("The server closed the connection.");
            }
        }
    }
}

/// <summary>An error reply from redis-server to one of the kit's admin commands.</summary>
/// <param name="message">The error text, e.g. <c>ERR Unknown node ...</c>.</param>
internal sealed class RespErrorException(string message) : Exception(message);
