using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Garnet;
using Garnet.server;

namespace AnarchoRedis.Testing.Processes;

/// <summary>
/// An in-process Garnet server, memory only. Lua needs all three of <c>EnableLua</c>, <c>LuaOptions</c> (else a
/// NullReferenceException on the first script) and <c>LuaTransactionMode</c> (else scripts are not atomic).
/// </summary>
internal sealed class GarnetNodeServer(int port) : NodeServer(port)
{
    private readonly Lock _gate = new();
    private GarnetServer? _server;

    public override int Pid => 0;

    public override bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _server is not null;
            }
        }
    }

    public override bool CanKeepData => false;

    public override Task StartAsync(RestartMode mode, IReadOnlyList<string> extraArguments, CancellationToken cancellationToken)
    {
        if (mode != RestartMode.LoseData)
        {
            throw new NotSupportedException("A Garnet node keeps its data in this process' memory only, so it can restart only with RestartMode.LoseData.");
        }

        if (extraArguments.Count > 0)
        {
            throw new NotSupportedException("A Garnet node takes no redis-server arguments.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var options = new GarnetServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, Port)],
            EnableLua = true,
            LuaOptions = new LuaOptions(logger: null),
            LuaTransactionMode = true,
            QuietMode = true,
            // Small memory: several servers share the test's process.
            IndexMemorySize = "1m",
            LogMemorySize = "32m",
            PageSize = "1m",
        };
        lock (_gate)
        {
            if (_server is not null)
            {
                throw new InvalidOperationException($"Garnet on port {Port} is already running.");
            }

            var server = new GarnetServer(options);
            try
            {
                server.Start();
            }
            catch (Exception ex) when (IsAddressInUse(ex))
            {
                server.Dispose();
                throw new PortTakenException(Port);
            }
            catch
            {
                server.Dispose();
                throw;
            }

            _server = server;
        }

        return Task.CompletedTask;
    }

    public override void Kill()
    {
        GarnetServer? server;
        lock (_gate)
        {
            server = _server;
            _server = null;
        }

        server?.Dispose();
    }

    public override void SetPaused(bool paused) =>
        throw new NotSupportedException("A Garnet node runs in this process and cannot be paused; use Partition(PartitionMode.Stall) for a node that hangs.");

    public override void Dispose() => Kill();

    public override string ToString() => $"Garnet 127.0.0.1:{Port}";

    private static bool IsAddressInUse(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }
}
