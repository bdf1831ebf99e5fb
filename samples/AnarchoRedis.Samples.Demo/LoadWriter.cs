using System;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Samples.Models;

namespace AnarchoRedis.Samples.Demo;

/// <summary>
/// The background load: two writers updating random users among <see cref="FirstId"/>.. at W = 2 (each pausing
/// 20 ms between writes: up to a hundred writes a second), so that the node failure happens under traffic and the anti-entropy pass has keys to find that no
/// read touches.
/// </summary>
internal sealed class LoadWriter(IUserRepository users) : IAsyncDisposable
{
    public const int FirstId = 100;
    public const int Count = 100;

    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;
    private long _ok;
    private long _failed;

    public long Ok => Interlocked.Read(ref _ok);

    public long Failed => Interlocked.Read(ref _failed);

    public bool IsRunning => !_running.IsCompleted;

    public void Start() => _running = Task.WhenAll(Task.Run(() => WriteAsync(1)), Task.Run(() => WriteAsync(2)));

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
    }

    public override string ToString() =>
        $"{Ok} writes acknowledged, {Failed} failed{(IsRunning ? $" (updating user:{FirstId}..user:{FirstId + Count - 1})" : " (stopped)")}";

    private async Task WriteAsync(int seed)
    {
        var random = new Random(seed);
        while (!_stop.IsCancellationRequested)
        {
            var id = FirstId + random.Next(Count);
            try
            {
                await users.SetAsync(new User { Id = id, Name = $"User {id}", Email = $"u{id}@example.org", Visits = random.Next(1000) }, cancellationToken: _stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _ok);
                await Task.Delay(20, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _failed);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (IsRunning)
        {
            await StopAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
