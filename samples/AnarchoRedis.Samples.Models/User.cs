using AnarchoRedis;

namespace AnarchoRedis.Samples.Models;

/// <summary>A user, stored under <c>user:{Id}</c> and replicated to every node.</summary>
/// <remarks>
/// The attribute is already here; once the AnarchoRedis source generator is referenced by this project it emits
/// <c>IUserRepository</c>. Until then the demo uses a hand-written descriptor with the same key template.
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
