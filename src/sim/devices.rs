//! Environment and device systems: the sun and wind of the moment, and each
//! device's power, as entities the window can pick and inspect.

use bevy::prelude::*;
use num_complex::Complex64;

use super::snapshot::{Environment, device_power, environment_at};
use super::{Neighbourhood, SimClock, SimulationStep, SimulationSystems};

/// The environment at the current step.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct CurrentEnvironment(pub Environment);

/// A device of the neighbourhood: index into [`crate::scenario::Built::devices`].
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceIndex(pub usize);

/// A device's power at the current step (consumer frame: positive consumes).
#[derive(Component, Debug, Clone, Copy, Default, PartialEq)]
pub struct DevicePower {
    /// Active power, kW.
    pub p_kw: f64,
    /// Reactive power, kvar.
    pub q_kvar: f64,
}

impl DevicePower {
    /// As a complex kVA value.
    pub fn kva(&self) -> Complex64 {
        Complex64::new(self.p_kw, self.q_kvar)
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<CurrentEnvironment>();
    let count = app.world().resource::<Neighbourhood>().0.devices.len();
    let names: Vec<String> = app
        .world()
        .resource::<Neighbourhood>()
        .0
        .devices
        .iter()
        .map(|d| d.name.clone())
        .collect();
    for (i, name) in names.into_iter().enumerate().take(count) {
        app.world_mut()
            .spawn((Name::new(name), DeviceIndex(i), DevicePower::default()));
    }
    app.add_systems(
        SimulationStep,
        (
            update_environment.in_set(SimulationSystems::Environment),
            update_device_powers.in_set(SimulationSystems::Devices),
        ),
    );
}

fn update_environment(
    clock: Res<SimClock>,
    hood: Res<Neighbourhood>,
    mut env: ResMut<CurrentEnvironment>,
) {
    env.0 = environment_at(&hood.0.scenario, clock.now());
}

fn update_device_powers(
    clock: Res<SimClock>,
    hood: Res<Neighbourhood>,
    env: Res<CurrentEnvironment>,
    mut devices: Query<(&DeviceIndex, &mut DevicePower)>,
) {
    let now = clock.now();
    for (index, mut power) in &mut devices {
        let Some(device) = hood.0.devices.get(index.0) else {
            continue;
        };
        let s = device_power(device, &hood.0.scenario, &env.0, now);
        *power = DevicePower {
            p_kw: s.re,
            q_kvar: s.im,
        };
    }
}
