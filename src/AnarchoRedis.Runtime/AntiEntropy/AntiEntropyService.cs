using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AnarchoRedis;

/// <summary>
/// The scheduled self-healer: a hosted service (registered by <c>AddAnarchoRedis</c>) that runs an anti-entropy pass
/// every <see cref="AntiEntropyOptions.Interval"/> plus a random jitter, while <see cref="AntiEntropyOptions.Enabled"/>.
/// A failed pass is logged and the schedule goes on.
/// </summary>
public sealed class AntiEntropyService : BackgroundService
{
    private readonly AntiEntropyRunner _runner;
    private readonly AntiEntropyOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the service.</summary>
    /// <param name="runner">The runner (one per process).</param>
    /// <param name="options">The client options; <see cref="AnarchoRedisOptions.AntiEntropy"/> is used.</param>
    /// <param name="logger">Logging, or <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for the schedule, or <see langword="null"/> for the system clock.</param>
    public AntiEntropyService(AntiEntropyRunner runner, IOptions<AnarchoRedisOptions> options, ILogger<AntiEntropyService>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(options);
        _runner = runner;
        _options = options.Value.AntiEntropy;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = _options.Interval + (_options.Jitter * Random.Shared.NextDouble());
            try
            {
                await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
                await _runner.RunPassAsync(AntiEntropyPassMode.Auto, progress: null, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Logged by the runner too; the next pass tries again.
                Log.AntiEntropyFailed(_logger, ex);
            }
        }
    }
}
