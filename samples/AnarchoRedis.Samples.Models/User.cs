using AnarchoRedis;

namespace AnarchoRedis.Samples.Models;

/// <summary>A user, stored under <c>user:{Id}</c> and replicated to every node.</summary>
/// <remarks>
/// The AnarchoRedis source generator emits <c>IUserRepository</c>/<c>UserRepository</c> for it, its entry in the
/// assembly's type catalog, and <c>AddAnarchoRedisSamplesModelsRepositories()</c> for DI.
/// </remarks>
[ReplicatedKey("user:{Id}", Name = "samples.user")]
public sealed class User
{
    public int Id { get; set; }

    public string Name { get; set; } = string.Empty;

    public string Email { get; set; } = string.Empty;

    public int Visits { get; set; }

    public override string ToString() => $"User {{ Id = {Id}, Name = {Name}, Email = {Email}, Visits = {Visits} }}";
}
