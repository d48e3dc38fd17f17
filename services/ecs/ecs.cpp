// Amazon ECS (JSON 1.1, AmazonEC2ContainerServiceV20141113): Fargate clusters, task definitions,
// services and tasks. Operations live by concern in this folder; the task lifecycle in
// task_lifecycle.cpp and the service scheduler in scheduler.cpp.
#include "services/ecs/common.hpp"
#include "services/service.hpp"

namespace zonesim {

void register_ecs(Registry& r) {
  ecs::register_clusters(r);
  ecs::register_task_definitions(r);
  ecs::register_services(r);
  ecs::register_tasks(r);
  ecs::register_tagging(r);
  ecs::register_simulation(r);
}

}  // namespace zonesim
