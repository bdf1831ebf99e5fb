using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace AnarchoRedis.IntegrationTests.Infrastructure;

/// <summary>
/// Several clusters, clients and test classes share a 2-core machine here; with the default minimum of one worker
/// per core, a few blocked threads (process start and exit, the library's synchronous DI construction) delay reply
/// processing by the thread pool's injection rate and show up as node timeouts that are not the nodes' fault.
/// </summary>
internal static class ThreadPoolWarmup
{
#pragma warning disable CA2255 // A test assembly is the application here, not a library.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RaiseMinimumThreads()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), Math.Max(io, 16));
    }
}
